"""What every model that reads a user's file (rules, operation-log settings, waivers, role
configurations, the assessment's plan and answers) shares."""
from __future__ import annotations

from pydantic import ConfigDict

# forbid: a misspelt key is an error, never a setting silently ignored. defer_build: a model builds
# its validator when first used, so a command pays only for the kinds of file it reads (the web
# page's preload builds them all once, before its workers fork).
STRICT = ConfigDict(extra="forbid", frozen=True, defer_build=True)
