"""What a release request names, checked and resolved: the repository (policy) and the commit (git).

Each refusal has its own status: outside the documented grammar 422, well formed but not allowed by
the operator 403, a ref the repository does not have 404, a repository that cannot be read 422 with a
classified reason (never git's own words), one that does not answer in time 504.
"""

from __future__ import annotations

from services.approval.answers import FieldError
from services.approval.errors import ApiError, Forbidden, NotFound, Unprocessable
from services.approval.resolver import RefResolver
from services.approval.settings import ApprovalSettings
from services.shared.git_target import SourceTimeout
from services.shared.repo_policy import RepositoryPolicy
from services.shared.sources import (
    GitUnavailable,
    RepositoryUnreachable,
    SourceNotAllowed,
    UnsafeSource,
    check_ref,
    check_repository,
)


async def source_of(asked_repository: str, asked_commit: str, settings: ApprovalSettings,
                    policy: RepositoryPolicy, resolver: RefResolver) -> tuple[str, str]:
    """(repository, full commit SHA) of a request, or the ApiError that answers it."""
    try:
        repository = check_repository(asked_repository, allow_local=settings.allow_local_repos, policy=policy)
        ref = check_ref(asked_commit)
    except SourceNotAllowed as exc:  # well formed, but the operator's policy says no
        raise _refused(exc) from None
    except UnsafeSource as exc:
        raise Unprocessable.of_body_field("commit" if "branch" in str(exc) else "repository", str(exc)) from None
    try:
        return repository, await resolver.resolve(repository, ref)
    except SourceTimeout as exc:
        raise ApiError(f"{exc}; try again later.", status=504) from None
    except SourceNotAllowed as exc:  # the name resolved to an address the policy refuses
        raise _refused(exc) from None
    except GitUnavailable as exc:  # the server's trouble, not the request's: "try again", not 422
        raise ApiError(f"{exc}; try again shortly", status=503, headers={"Retry-After": "10"}) from None
    except RepositoryUnreachable as exc:
        raise Unprocessable.of_body_field("repository", str(exc)) from None
    except UnsafeSource as exc:  # the repository answered: no such branch, tag or commit
        raise NotFound(f"{exc}.", fields=[FieldError(loc=["body", "commit"], msg=str(exc))]) from None


def _refused(exc: Exception) -> Forbidden:
    return Forbidden(f"{exc}.", fields=[FieldError(loc=["body", "repository"], msg=str(exc))])

