"""The builder: `requested` → clone at the commit → lint → engine build → `built` (or `failed`)."""
