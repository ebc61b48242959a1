"""Actions return to where they were taken: only to a path on this site."""

import pytest

from governance.web.links import safe_return


@pytest.mark.parametrize(
    "target",
    ["/orgs/x/initiatives/1#criterion-4", "/reviews?org=2", "/"],
)
def test_a_path_on_this_site_is_where_an_action_returns(target):
    assert safe_return(target) == target


@pytest.mark.parametrize(
    "target",
    ["", None, "https://evil.example/", "//evil.example/x", "/\\evil.example", "x/y", "/a\nb"],
)
def test_anywhere_else_is_refused(target):
    assert safe_return(target) is None
