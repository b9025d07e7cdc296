"""A wheel install ships the API reference's vendored Swagger UI."""

from dashapp import PROJECT_ROOT
from tests.unit.test_packaging import _shipped

STATIC = PROJECT_ROOT / "dashapp" / "api" / "static"


def test_every_api_static_file_is_package_data() -> None:
    files = [p for p in STATIC.rglob("*") if p.is_file()]
    assert len(files) >= 5
    missing = [str(p.relative_to(PROJECT_ROOT)) for p in files if not _shipped(p)]
    assert missing == [], f"not in the wheel: {missing}"
