"""The Azure Functions app: builds the app and registers one blueprint per feature.

The same module runs under the real Functions host in Azure and under the local host
(``localdev/host.py``). Local-only routes (``/dev/*``) come from ``localdev.devtools``,
imported only when ``AUTOCAPTURE_MODE=local``: Azure never imports ``localdev`` (which
``.funcignore`` keeps out of the deployment package).
"""

import azure.functions as func

from functions.get_timeline import bp as timeline_bp
from functions.settings import bp as settings_bp
from functions.system import bp as system_bp
from functions.track_activity import bp as track_bp
from shared.config import Config

app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)
app.register_functions(system_bp)
app.register_functions(timeline_bp)
app.register_functions(settings_bp)
app.register_functions(track_bp)
if (config := Config.from_env()).local:
    from localdev.devtools.routes import make_blueprint

    app.register_functions(make_blueprint(config))
