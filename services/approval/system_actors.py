"""The names Greenlight records its own actions under in a release's history (`actor`, `approver`,
`requested_by`): no person may be configured under one (identity_names.py), or their actions would read as the
system's, and the code that recognises the system's own events by name (policy_watch.py, four_eyes.py) would take
them for its own."""

from __future__ import annotations

from services.approval.deadlines import ACTOR as DEADLINE
from services.approval.policy import HOOK_SOURCES, hook_requester
from services.shared.release_states import WORK_QUEUES


def system_actors() -> dict[str, str]:
    """Each name Greenlight acts under, with what acts under it (for the start's line)."""
    # Imported here: policy_decisions imports four_eyes, which imports identity_names, which imports this module.
    from services.approval.policy_decisions import ACTOR as POLICY

    return {
        POLICY: "the approval policy's automatic decisions are recorded under",
        DEADLINE: "a step deadline's failures are recorded under",
        **{hook_requester(source): f"releases the {source} git hook starts are requested by"
           for source in HOOK_SOURCES},
        **{service: f"the {service} service's events are recorded under" for service in WORK_QUEUES},
    }
