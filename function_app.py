"""The Azure Functions app: builds the app and registers one blueprint per feature.

The same module runs under the real Functions host in Azure and under the local host
(``localdev/host.py``). Local-only routes (``/dev/*``) are registered only when
``AUTOCAPTURE_MODE=local``.
"""

import azure.functions as func

from functions import devtools
from functions.get_timeline import bp as timeline_bp
from functions.settings import bp as settings_bp
from functions.system import bp as system_bp
from functions.track_activity import bp as track_bp
from functions.web import bp as web_bp
from shared.config import Config

app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)
app.register_functions(system_bp)
app.register_functions(timeline_bp)
app.register_functions(settings_bp)
app.register_functions(track_bp)
app.register_functions(web_bp)  # the timeline page: GET /, /<file>, /config.json
devtools.register(app, Config.from_env())
