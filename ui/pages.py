"""The pages the app serves around Chainlit's: no CDN in the shell, a kind "not available" page.

* Chainlit's page shell asks a CDN for a KaTeX stylesheet (LaTeX is off here) and names
  Chainlit's banner as the share image: :func:`patch_page_shell` drops both, so the page
  loads nothing from outside the server.
* Opening another user's thread URL made Chainlit's socket refuse the session, which the page
  shows as "Could not reach the server" and "Couldn't resume chat", like an outage.
  :func:`register_thread_page` answers such a URL with a short page saying the conversation is
  not available, and a link to a new one; one's own threads load as before.

No ``from __future__ import annotations``: FastAPI reads ``Request`` at registration.
"""

import re
from typing import Any

from chainlit.auth import authenticate_user, get_token_from_cookies, require_login
from chainlit.data import get_data_layer
from fastapi import Depends, HTTPException, Request, Response
from fastapi.responses import HTMLResponse
from fastapi.security import OAuth2PasswordRequestForm

THREAD_ROUTE = "/thread/{thread_id}"
_CDN_LINK = re.compile(r"<link[^>]+href=\"https?://[^\"]+\"[^>]*/?>\s*", re.S)
_CDN_META = re.compile(r"<meta property=\"og:(?:image|url)\" content=\"https?://[^\"]*\">\s*")

NOT_AVAILABLE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Conversation not available - PartnerPilot</title>
<link rel="icon" href="/favicon">
<style>
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:#f5f7fa;
color:#1f2d3d;display:flex;min-height:100vh;margin:0;align-items:center;justify-content:center}
main{background:#fff;border-radius:12px;padding:32px 40px;max-width:480px;
box-shadow:0 2px 12px rgba(31,58,95,.12);text-align:center}
h1{font-size:1.3rem;color:#1f3a5f}a{color:#fff;background:#1f3a5f;padding:10px 18px;
border-radius:8px;text-decoration:none;display:inline-block;margin-top:12px}
</style></head>
<body><main id="thread-not-available">
<img src="/logo?theme=light" alt="PartnerPilot" height="40">
<h1>This conversation is not available</h1>
<p>It may have been deleted, or it belongs to someone else. Your own conversations are in
the list on the left of the chat.</p>
<a href="/">Start a new conversation</a>
</main></body></html>
"""


def strip_external(html: str) -> str:
    """The page shell without links or share meta that point off the server."""
    return _CDN_META.sub("", _CDN_LINK.sub("", html))


def patch_page_shell() -> None:
    """Make Chainlit's page shell load nothing from outside (see the module docstring)."""
    import chainlit.server as server  # lazy: its import builds the app

    original = server.get_html_template
    if getattr(original, "_partnerpilot", False):
        return

    def get_html_template(root_path: str) -> str:
        return strip_external(original(root_path))

    get_html_template._partnerpilot = True  # type: ignore[attr-defined]
    server.get_html_template = get_html_template


async def thread_owner_allowed(request: Request, thread_id: str) -> bool:
    """False when a logged-in user opens a thread that is not theirs (or does not exist)."""
    token = get_token_from_cookies(dict(request.cookies))
    layer = get_data_layer()
    if not require_login() or not token or layer is None:
        return True  # not logged in: the page itself sends the user to the login
    try:
        user = await authenticate_user(token)
    except HTTPException:
        return True
    author = await layer.get_thread_author(thread_id)  # "" for no such thread
    return bool(author) and author == getattr(user, "identifier", None)


async def thread_page(thread_id: str, request: Request) -> Any:
    """The chat page for one's own thread; the "not available" page otherwise."""
    from chainlit.server import serve  # lazy: its import builds the app

    if not await thread_owner_allowed(request, thread_id):
        return HTMLResponse(NOT_AVAILABLE, status_code=404)
    return await serve(request)


def register_thread_page() -> None:
    """Put :func:`thread_page` in front of Chainlit's catch-all page route."""
    from chainlit.server import app  # lazy: its import builds the app

    if any(getattr(route, "endpoint", None) is thread_page for route in app.router.routes):
        return
    app.add_api_route(THREAD_ROUTE, thread_page, methods=["GET"])
    app.router.routes.insert(0, app.router.routes.pop())


WRONG_LOGIN = "Wrong username or password"


async def login(request: Request, response: Response,
                form_data: OAuth2PasswordRequestForm = Depends()) -> Any:  # noqa: B008
    """Chainlit's login, with a refusal people can read instead of ``credentialssignin``.

    The page shows a refused login's detail in a notice ("Unauthorized: <detail>"); the
    form's own message comes from the translations (``auth.login.errors.default``).
    """
    from chainlit.server import login as chainlit_login  # lazy: its import builds the app

    try:
        return await chainlit_login(request, response, form_data)
    except HTTPException as exc:
        if exc.status_code == 401 and exc.detail == "credentialssignin":
            raise HTTPException(status_code=401, detail=WRONG_LOGIN) from None
        raise


def register_login_route() -> None:
    """Put :func:`login` in front of Chainlit's ``POST /login``."""
    from chainlit.server import app  # lazy: its import builds the app

    if any(getattr(route, "endpoint", None) is login for route in app.router.routes):
        return
    app.add_api_route("/login", login, methods=["POST"])
    app.router.routes.insert(0, app.router.routes.pop())
