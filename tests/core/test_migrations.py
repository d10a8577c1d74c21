"""The support group's permissions are given in one place (core.migration_tools); a migration that
reaches for auth's Permission or create_permissions itself would be a second copy of that logic."""

from pathlib import Path

from django.conf import settings

PERMISSION_PLUMBING = ('"auth", "Permission"', "'auth', 'Permission'", "create_permissions")


def test_no_migration_carries_its_own_copy_of_the_permission_helpers():
    base = Path(settings.BASE_DIR)
    copies = [
        str(path.relative_to(base))
        for path in base.glob("*/migrations/*.py")
        if any(needle in path.read_text() for needle in PERMISSION_PLUMBING)
    ]
    assert copies == []
