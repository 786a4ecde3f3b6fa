"""Print the size of every built file - raw, gzip -9 and brotli - against its budget.

    make size

Every widget of the registry (``widgetserver/embed/registry.py``) is listed, one file per
language. The baseline is the figure the issue compares against: Shariff's complete build
(about 11 KB of JavaScript and 9 KB of CSS gzipped, plus a 77 KB icon font), the common
privacy-friendly share buttons. The budgets are enforced by tests/embed/test_assets.py.
"""

from __future__ import annotations

import statistics
import sys

from widgetserver.embed import assets

#: Shariff 3.x, gzipped: JavaScript + CSS + the icon font it loads.
SHARIFF = {"js": 11 * 1024, "css": 9 * 1024, "font": 77 * 1024}


def row(asset: assets.Asset) -> str:
    gz = len(asset.gzip)
    return (
        f"{asset.name:<34}{len(asset.raw):>8,}{gz:>8,}{len(asset.brotli):>8,}"
        f"{asset.budget:>8,}{gz / asset.budget:6.0%}"
    )


def main() -> int:
    build = assets.build()
    print(f"{'file':<34}{'raw':>8}{'gzip-9':>8}{'brotli':>8}{'budget':>8}  used")
    print(row(build.loader))
    for _, asset in sorted(build.files.items()):
        print(row(asset))
    for asset in build.over_budget():
        print(f"OVER BUDGET: {asset.name}", file=sys.stderr)
    if any(name.startswith("share.") for name in build.files):
        share = [len(a.gzip) for n, a in build.files.items() if n.startswith("share.")]
        page = len(build.loader.gzip) + statistics.median(share)
        shariff = sum(SHARIFF.values())
        print()
        print(f"A page with share buttons, gzipped: {page:,.0f} bytes (loader + one file)")
        print(f"Shariff, gzipped:                   {shariff:,} bytes (JS + CSS + icon font)")
        print(f"ratio: {page / shariff:.2f} ({shariff / page:.0f}x smaller)")
    return 1 if build.over_budget() else 0


if __name__ == "__main__":
    sys.exit(main())
