"""Least privilege: the deployer and switcher may touch the apps' Deployments and Services in the
`apps` namespace and nothing else; nothing is granted cluster-wide; no other pod gets an API token."""

from __future__ import annotations

import re
from pathlib import Path

from tests.manifests.repo_files import applied_objects, named, of_kind, pod_template, secret_templates

ALLOWED = {("apps", "deployments"), ("", "services")}
ALLOWED_VERBS = {"get", "list", "watch", "create", "patch"}
# The kubernetes client's method prefixes and the RBAC verbs they need (a list is followed by a watch: kube/watch.py).
_VERBS_OF = {"read": {"get"}, "list": {"list", "watch"}, "create": {"create"}, "patch": {"patch"},
             "replace": {"update"}, "delete": {"delete"}}
_CALL = re.compile(r"\b(read|list|create|patch|replace|delete)_namespaced_(deployment|service)\b")
API_USERS = {"greenlight-deployer", "greenlight-switcher"}


def test_nothing_is_granted_cluster_wide() -> None:
    objects = applied_objects() + secret_templates()
    assert not of_kind(objects, "ClusterRole")
    assert not of_kind(objects, "ClusterRoleBinding")


def test_roles_grant_only_deployments_and_services_in_apps() -> None:
    roles = of_kind(applied_objects(), "Role")
    assert {r["metadata"]["name"] for r in roles} == API_USERS
    for role in roles:
        assert role["metadata"]["namespace"] == "apps"
        for rule in role["rules"]:
            assert set(rule) == {"apiGroups", "resources", "verbs"}, rule  # no resourceNames/nonResourceURLs
            assert "*" not in rule["apiGroups"] + rule["resources"] + rule["verbs"], rule
            assert {(g, r) for g in rule["apiGroups"] for r in rule["resources"]} <= ALLOWED, rule
            assert set(rule["verbs"]) <= ALLOWED_VERBS, rule


def test_deployer_has_exactly_the_listed_rights() -> None:
    role = named(applied_objects(), "Role", "greenlight-deployer")
    granted = {(g, r, v) for rule in role["rules"] for g in rule["apiGroups"] for r in rule["resources"]
               for v in rule["verbs"]}
    assert granted == {(g, r, v) for g, r in ALLOWED for v in ALLOWED_VERBS}


def test_the_verbs_granted_are_the_verbs_the_code_calls() -> None:
    """A verb granted and never used is a right an attacker holding the token gets for free (`update` was one)."""
    services = Path(__file__).resolve().parents[2] / "services"
    called = {verb for path in services.rglob("*.py") for method, _ in _CALL.findall(path.read_text())
              for verb in _VERBS_OF[method]}
    assert called == ALLOWED_VERBS


def test_switcher_cannot_create_objects() -> None:
    role = named(applied_objects(), "Role", "greenlight-switcher")
    verbs = {v for rule in role["rules"] for v in rule["verbs"]}
    assert verbs == ALLOWED_VERBS - {"create"}


def test_each_role_is_bound_to_its_own_service_account_only() -> None:
    objects = applied_objects()
    bindings = of_kind(objects, "RoleBinding")
    assert {b["metadata"]["name"] for b in bindings} == API_USERS
    for binding in bindings:
        name = binding["metadata"]["name"]
        assert binding["metadata"]["namespace"] == "apps"
        assert binding["roleRef"] == {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": name}
        assert binding["subjects"] == [{"kind": "ServiceAccount", "name": name, "namespace": "greenlight"}]
        named(objects, "ServiceAccount", name)  # the bound account exists...
        deployment = named(objects, "Deployment", name)  # ...and is the one its Deployment runs as
        assert pod_template(deployment)["spec"]["serviceAccountName"] == name


def test_only_the_api_users_get_a_token() -> None:
    objects = applied_objects()
    for account in of_kind(objects, "ServiceAccount"):
        assert account["automountServiceAccountToken"] is (account["metadata"]["name"] in API_USERS), account
    for workload in of_kind(objects, "Deployment") + of_kind(objects, "StatefulSet"):
        spec = pod_template(workload)["spec"]
        assert spec.get("automountServiceAccountToken") is (spec.get("serviceAccountName") in API_USERS), (
            workload["metadata"]["name"]
        )
