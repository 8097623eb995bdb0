"""During a rolling upgrade a newer Greenlight publishes `release.<app>.<state>` with a state this version does not
know: the AsyncAPI document must not promise subscribers a closed list of states (its header schema rejected
`scanning`, and the routing key's parameter was an enum)."""

from __future__ import annotations

from pathlib import Path

import jsonschema
import yaml

DOC = Path(__file__).parents[2] / "docs" / "asyncapi.yaml"


def test_a_newer_states_header_validates_and_a_malformed_one_does_not() -> None:
    doc = yaml.safe_load(DOC.read_text())
    headers = doc["components"]["messages"]["ReleaseEvent"]["headers"]
    jsonschema.validate({"app": "tmapp", "state": "scanning", "seq": 3}, headers)
    jsonschema.validate({"app": "tmapp", "state": "live", "seq": 3}, headers)
    try:
        jsonschema.validate({"app": "tmapp", "state": "Not A State", "seq": 3}, headers)
    except jsonschema.ValidationError:
        pass
    else:
        raise AssertionError("a malformed state name validated")


def test_the_routing_keys_state_is_no_closed_list() -> None:
    state = yaml.safe_load(DOC.read_text())["channels"]["releaseEvents"]["parameters"]["state"]
    assert "enum" not in state
    assert "live" in state["examples"]
