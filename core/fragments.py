"""Rendered fragments of long lists (a car's timeline, its checks on the share page), cached by
what they show: one `cache.get_many` per list, and only the misses are rendered.

A fragment's key is a digest of everything its template reads (the caller's `parts`), the
active language and time zone, and the template's own source. Nothing is ever invalidated: a
change to anything shown (a garage's new name, a corrected check, a deleted photo) makes a new
key, and the old fragment expires unread. So `parts` must name every value the template
shows, and nothing that should stay private to another viewer may be left out of it (who
sees what is in the parts: `for_garage`, `show_costs`...). The cache being down only costs
the rendering.
"""

import hashlib
import re
from functools import cache as memoize

from django.conf import settings
from django.template.loader import get_template
from django.utils import timezone, translation
from django.utils.safestring import mark_safe

from core.shared_cache import cached_many, store_many

LIFETIME = 24 * 3600  # an unread fragment's memory is freed within a day


_INCLUDE = re.compile(r"""{%\s*include\s+["']([^"']+)["']""")


@memoize
def _template(name: str):
    """The template and a digest of its source and of the templates it includes by name (a
    deploy with a changed template starts new keys; templates are loaded once per process)."""
    template = get_template(name)
    digest = hashlib.blake2b(digest_size=6)
    pending, seen = [name], set()
    while pending:
        current = pending.pop()
        if current in seen:
            continue
        seen.add(current)
        source = get_template(current).template.source
        digest.update(source.encode())
        pending += _INCLUDE.findall(source)
    return template, digest.hexdigest()


def render_many(entries: list[tuple[str, tuple, dict]]) -> list[str]:
    """Render each (template name, parts, context) of `entries`, from the cache where a fragment
    of that template with the same parts was rendered before: one get_many for them all. The
    strings are safe HTML."""
    if not entries:
        return []
    if settings.DEBUG:  # templates change under a developer's hands
        _template.cache_clear()
    scope = (translation.get_language(), timezone.get_current_timezone_name())
    keys = []
    for name, parts, _context in entries:
        version = _template(name)[1]
        digest = hashlib.blake2b(repr((name, version, scope, parts)).encode(), digest_size=16)
        keys.append("frag:" + digest.hexdigest())
    found = cached_many(keys)  # {} when the cache is down: the page renders, a little slower
    rendered, missed = [], {}
    for key, (name, _parts, context) in zip(keys, entries, strict=True):
        html = found.get(key)
        if html is None:
            html = str(_template(name)[0].render(context))
            missed[key] = html
        rendered.append(mark_safe(html))  # noqa: S308 - our own rendered templates
    if missed:
        store_many(missed, LIFETIME)
    return rendered
