"""Print the size of every built widget file - raw, gzip -9 and brotli - against its budget.

    make size

The baseline is the figure the issue compares against: Shariff's complete build (about 11 KB
of JavaScript and 9 KB of CSS gzipped, plus a 77 KB icon font), the common privacy-friendly
share buttons. The budgets are enforced by tests/widgets/test_assets.py.
"""

from __future__ import annotations

import gzip
import statistics
import sys

from widgetserver.embed import assets
from widgetserver.embed.assets import LOADER_BUDGET, WIDGET_BUDGETS

#: Shariff 3.x, gzipped: JavaScript + CSS + the icon font it loads.
SHARIFF = {"js": 11 * 1024, "css": 9 * 1024, "font": 77 * 1024}


def row(name: str, raw: int, gz: int, br: int, budget: int | None) -> str:
    share = f"{gz / budget:6.0%}" if budget else ""
    limit = f"{budget:>8,}" if budget else f"{'':>8}"
    return f"{name:<34}{raw:>8,}{gz:>8,}{br:>8,}{limit}{share}"


def main() -> int:
    build = assets.build()
    print(f"{'file':<34}{'raw':>8}{'gzip-9':>8}{'brotli':>8}{'budget':>8}  used")
    loader = build.loader
    print(
        row(
            "loader.js",
            len(loader.raw),
            len(gzip.compress(loader.raw, 9)),
            len(loader.brotli),
            LOADER_BUDGET,
        )
    )
    over = len(gzip.compress(loader.raw, 9)) > LOADER_BUDGET
    sizes = []
    for name, asset in sorted(build.files.items()):
        gz = len(gzip.compress(asset.raw, 9))
        sizes.append(gz)
        over |= gz > WIDGET_BUDGETS[name.split(".")[0]]
        print(row(name, len(asset.raw), gz, len(asset.brotli), WIDGET_BUDGETS[name.split(".")[0]]))
    page = len(gzip.compress(loader.raw, 9)) + statistics.median(sizes)
    shariff = sum(SHARIFF.values())
    print()
    print(f"A page with share buttons, gzipped: {page:,.0f} bytes (loader + one language's file)")
    print(f"Shariff, gzipped:                   {shariff:,} bytes (JS + CSS + icon font)")
    print(f"ratio: {page / shariff:.2f} ({shariff / page:.0f}x smaller)")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
