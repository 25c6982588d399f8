"""Outlets: the publications articles come from, shared by every team.

Importing an article finds or makes its outlet (``outlet_for_url``, called by
``articles.outlet_for``); the other functions are the edits made by hand, in the admin. An
outlet is known by its domain (``reuters.com``, without ``www.``), or, when it has none, by its
name. A domain of the project's list of news outlets (annotations/nlp/outlets.py) names its
outlet: "https://edition.cnn.com/..." and "https://cnn.com/..." are both CNN, domain cnn.com.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.db import transaction

from annotations.models import Outlet
from annotations.nlp.outlets import known_outlet

MAX_NAME_CHARS = 200
MAX_DOMAIN_CHARS = 253
# A host name: dot-separated labels of letters, digits and inner hyphens (IDNs as punycode).
_DOMAIN = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))+")


def _clean_domain(domain: str) -> str:
    domain = (domain or "").strip().lower()
    if "/" in domain:  # a pasted URL: keep its host
        domain = urlsplit(domain if "//" in domain else f"//{domain}").hostname or ""
    domain = domain.rstrip(".").removeprefix("www.")
    if domain and (len(domain) > MAX_DOMAIN_CHARS or not _DOMAIN.fullmatch(domain)):
        raise ValidationError({"domain": "Give the outlet's domain, such as reuters.com."})
    return domain


def outlet_for_url(url: str, *, name: str = "") -> Outlet | None:
    """The outlet of ``url``'s domain, created on first sight (None without a host).

    A listed outlet gets the list's name and own domain, whichever of its domains the URL
    uses; an outlet first made with a placeholder name (its domain) takes the list's name.
    Any other domain makes an outlet named ``name``, else the domain.
    """
    host = (urlsplit(url).hostname or "").rstrip(".").removeprefix("www.") if url else ""
    if not host:
        return None
    known = known_outlet(host)
    if known is None:
        outlet, _ = Outlet.objects.get_or_create(domain=host, defaults={"name": name or host})
        return outlet
    with transaction.atomic():
        outlet, created = Outlet.objects.get_or_create(
            domain=known.domain, defaults={"name": known.name}
        )
        if not created and outlet.name == outlet.domain:
            outlet.name = known.name
            outlet.save(update_fields=["name"])
    return outlet


def outlet_validate(*, name: str, domain: str = "", outlet: Outlet | None = None) -> dict[str, str]:
    """The cleaned name and domain of a new outlet, or of ``outlet`` changed; a
    ValidationError naming the field otherwise."""
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": "An outlet needs a name."})
    if len(name) > MAX_NAME_CHARS:
        raise ValidationError({"name": f"At most {MAX_NAME_CHARS} characters."})
    domain = _clean_domain(domain)
    others = Outlet.objects.all()
    if outlet is not None and outlet.pk is not None:
        others = others.exclude(pk=outlet.pk)
    if domain:
        if clash := others.filter(domain=domain).first():
            raise ValidationError({"domain": f"{clash} already has the domain {domain}."})
    elif others.filter(domain="", name__iexact=name).exists():
        raise ValidationError(
            {"name": f"An outlet named {name!r} without a domain already exists; give a domain."}
        )
    return {"name": name, "domain": domain}


@transaction.atomic
def outlet_create(*, name: str, domain: str = "") -> Outlet:
    return Outlet.objects.create(**outlet_validate(name=name, domain=domain))


@transaction.atomic
def outlet_update(*, outlet: Outlet, name: str | None = None, domain: str | None = None) -> Outlet:
    outlet = Outlet.objects.select_for_update().get(pk=outlet.pk)
    cleaned = outlet_validate(
        name=outlet.name if name is None else name,
        domain=outlet.domain if domain is None else domain,
        outlet=outlet,
    )
    outlet.name, outlet.domain = cleaned["name"], cleaned["domain"]
    outlet.save(update_fields=["name", "domain"])
    return outlet


@transaction.atomic
def outlet_delete(*, outlet: Outlet) -> None:
    """Delete an outlet; its articles keep their text and lose only the outlet."""
    outlet.delete()
