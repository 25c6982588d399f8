"""REST API views, one module per resource. Each ViewSet's queryset starts from
``visible_to(request.user)`` (through ``annotations.selectors``), so another team's id is a 404;
each write calls a service, so the API and the pages share every rule."""
