"""The open data API at /api/v1/: read-only JSON and CSV of what the public pages show.

django-ninja generates the OpenAPI document (/api/v1/openapi.json) from the schemas. Its
interactive docs page is off: it would load Swagger UI from a CDN.
"""

from functools import wraps

from django.utils.cache import patch_cache_control
from ninja import NinjaAPI

from civic.api import downloads, endpoints

CACHE_SECONDS = 300

DESCRIPTION = """\
Open data of the participatory budget: districts and their budgets, cycles, pools,
proposals, results, approved reports and the anonymised ballots, as JSON and as CSV
(`/api/v1/<table>.csv`: districts, budgets, cycles, pools, proposals, results, reports).

Only published data: no drafts or hidden proposals, and a pool's results, ballots and
reports only once the council approved its report. Nothing personal: no authors,
e-mail addresses or census data. Money is a decimal string. Lists are paginated with
`limit` (at most 500) and `offset`.
"""


def public_cache(view):
    """Let browsers and shared caches keep a successful answer a few minutes, and let any
    web page read it (no credentials are involved)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if response.status_code == 200:
            patch_cache_control(response, public=True, max_age=CACHE_SECONDS)
        response["Access-Control-Allow-Origin"] = "*"
        return response

    return wrapper


class OpenDataAPI(NinjaAPI):
    def get_openapi_operation_id(self, operation) -> str:
        """Operation ids are the view names (`list_pools`), not module paths."""
        return operation.view_func.__name__


api = OpenDataAPI(
    title="civic open data",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api-v1",
    docs_url=None,
    docs_decorator=public_cache,
)
api.add_decorator(public_cache, mode="view")
api.add_router("", endpoints.router)
api.add_router("", downloads.router)
