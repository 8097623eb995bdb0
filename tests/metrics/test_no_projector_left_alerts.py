"""`GreenlightLogNotProjected` fires when no process exports `greenlight_projector_leading` any more.

The rule was `max(greenlight_projector_leading) < 1`: over no series at all, `max` is empty and the alert stays
quiet. So when every process that can fold the log is gone (killed, crash-looping before its start-up catch-up,
which exports no projector series) the page meant for "nobody is folding the release log" never came, though
reads, SSE streams and the approval gate stood still: the rule only fired while a standby was still up to say 0.
Proved with promtool's unit test of the shipped rules, as `test_alert_rules.py` runs them.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from tests.metrics.test_alert_rules import RULES, promtool

LEADER_THEN_NOTHING = {
    "rule_files": [str(RULES)],
    "evaluation_interval": "15s",
    "tests": [{
        "name": "every projecting process is gone",
        "interval": "15s",
        "input_series": [
            {"series": 'greenlight_projector_leading{job="approval"}', "values": "1 1 stale"},
            {"series": 'greenlight_projector_leading{job="switcher"}', "values": "0 0 stale"},
        ],
        "alert_rule_test": [
            {"eval_time": "20s", "alertname": "GreenlightLogNotProjected"},
            {"eval_time": "2m", "alertname": "GreenlightLogNotProjected",
             "exp_alerts": [{"exp_labels": {"severity": "critical"}, "exp_annotations": {
                 "summary": "No Greenlight process is folding the release log into the database.",
                 "description": 'Check the API and switcher logs for "projection failed" and the database they '
                                "point at."}}]},
        ],
    }],
}


async def test_the_alert_fires_when_no_process_exports_the_projector(tmp_path: Path) -> None:
    spec = tmp_path / "gone.test.yml"
    spec.write_text(yaml.safe_dump(LEADER_THEN_NOTHING))
    assert "SUCCESS" in await promtool("test", "rules", str(spec))
