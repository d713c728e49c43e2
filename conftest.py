"""Project-wide test configuration: pytester for plugin tests, a CI hypothesis profile."""

from hypothesis import settings

pytest_plugins = ["pytester"]

settings.register_profile("ci", deadline=None, max_examples=200)
settings.register_profile("dev", deadline=None, max_examples=50)
settings.load_profile("ci")
