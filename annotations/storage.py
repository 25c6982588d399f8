"""Static files storage for production."""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticStorage(CompressedManifestStaticFilesStorage):
    # The pages are ES modules importing each other ("./api.js"): rewrite those imports to
    # the hashed names too, so a browser never pairs a new module with a cached old one.
    support_js_module_import_aggregation = True
