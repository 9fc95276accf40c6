"""The Azure Functions app: builds the app and registers one blueprint per feature.

The same module runs under the real Functions host in Azure and under the local host
(``localdev/host.py``). One ``RuntimeProvider`` is the composition root every blueprint
shares; the runtime it builds on first use owns every client. Local-only parts (the
``/dev/*`` routes, development credentials, request counters) come from ``localdev``,
imported only when ``AUTOCAPTURE_MODE=local``: the deployment package does not contain it.
"""

import azure.functions as func

from functions import (
    activities,
    admin,
    erasure,
    get_timeline,
    retention,
    rules_admin,
    settings,
    system,
    track_activity,
    web,
)
from shared.api.openapi import openapi_json
from shared.app import FunctionApp
from shared.config import Config
from shared.lazy import Lazy
from shared.runtime import Runtime, RuntimeProvider

config = Config.from_env()
if config.local:
    from localdev.composition import LocalParts

    local = LocalParts(config)
    runtime = RuntimeProvider(local.runtime)
else:
    runtime = RuntimeProvider(lambda: Runtime.build(config))

app = FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)
document = Lazy(lambda: openapi_json(app))
app.register_functions(system.blueprint(runtime, document))
app.register_functions(get_timeline.blueprint(runtime))
app.register_functions(rules_admin.blueprint(runtime))
app.register_functions(settings.blueprint(runtime))
app.register_functions(track_activity.blueprint(runtime))
app.register_functions(erasure.blueprint(runtime))  # Admin: erasure on request, its queued job
app.register_functions(retention.blueprint(runtime))  # timer: the org's retention setting
app.register_functions(activities.blueprint(runtime))  # a tracked activity's body and files; live items
app.register_functions(admin.blueprint(runtime))  # GET /api/admin/readiness
app.register_functions(web.blueprint(config))  # the timeline page: GET /, /<file>, /config.json
if config.local:
    from localdev.devtools.routes import register

    register(app, config, local.operations)
