import pytest

from agent.access import Action, Forbidden, Role, allowed, parse_role, require


def test_viewer_may_chat_and_search_only() -> None:
    assert {a for a in Action if allowed(Role.VIEWER, a)} == {Action.CHAT, Action.SEARCH}


def test_member_drafts_but_does_not_import() -> None:
    assert allowed(Role.MEMBER, Action.DRAFT)
    assert not allowed(Role.MEMBER, Action.IMPORT)


def test_admin_may_do_everything() -> None:
    assert all(allowed(Role.ADMIN, a) for a in Action)


def test_forbidden_names_the_role_the_action_and_who_may() -> None:
    with pytest.raises(Forbidden, match=r"a viewer may not import \(needs: admin\)"):
        require(Role.VIEWER, Action.IMPORT)


def test_roles_are_read_as_typed_and_unknown_ones_named() -> None:
    assert parse_role(" Admin ") is Role.ADMIN
    with pytest.raises(ValueError, match="role: 'owner' is not a role"):
        parse_role("owner")
