"""``widgetserver drops``: the refused events, by site, day and reason."""

import json


def run(runner, *args, input=None):
    return runner.invoke(args=list(args), input=input)


def test_drops_lists_refused_events_by_reason(runner, browser, site):
    browser.origin = "https://evil.example"
    browser.share("share-code")
    browser.send({"type": "visit", "code": "abcdefgh"}, site="pk_nobody")
    data = json.loads(run(runner, "drops", "--json").output)
    assert {(d["site"], d["reason"], d["count"]) for d in data} == {
        (site.key, "origin_not_allowed", 1),
        (None, "unknown_site", 1),
    }
    only = json.loads(run(runner, "drops", "--site", site.key, "--json").output)
    assert [d["reason"] for d in only] == ["origin_not_allowed"]
