"""Which CPU a measurement came from, in one line.

Virtual machines often report only a generic model name ("AMD EPYC"), which
hides that two machines of one kind can be different generations (an AVX2
Zen 1 and an AVX2 Zen 3 both say "AMD EPYC", and their int8 and float
throughputs differ a lot).  ``describe()`` adds the CPU family, model and
stepping from /proc/cpuinfo and, for AMD's Zen families, the
microarchitecture they identify:

    AMD EPYC (family 23 model 1 stepping 2: Zen or Zen+)

Used by tools/zoo_report.py and tools/compare_litert.py; the Swift tools print
the same line (``TFLiteEngineBuild.cpuDescription``).
"""

from __future__ import annotations

import platform


def amd_microarchitecture(family: int, model: int) -> str | None:
    """AMD's Zen generation from the CPU family and model numbers, or None."""
    if family == 0x17:
        if model <= 0x2F:
            return "Zen or Zen+"
        return "Zen 2"
    if family == 0x19:
        if 0x10 <= model <= 0x1F or 0x60 <= model <= 0xAF:
            return "Zen 4"
        return "Zen 3"
    if family == 0x1A:
        return "Zen 5"
    return None


def describe(cpuinfo_path: str = "/proc/cpuinfo") -> str:
    """The model name with family, model and stepping (and a Zen generation)."""
    fields: dict[str, str] = {}
    try:
        with open(cpuinfo_path) as f:
            for line in f:
                if not line.strip():
                    break  # the first processor's block is enough
                key, _, value = line.partition(":")
                fields.setdefault(key.strip(), value.strip())
    except OSError:
        return platform.processor() or "unknown CPU"
    name = fields.get("model name") or platform.processor() or "unknown CPU"
    try:
        family, model = int(fields["cpu family"]), int(fields["model"])
    except (KeyError, ValueError):
        return name
    detail = f"family {family} model {model}"
    if "stepping" in fields:
        detail += f" stepping {fields['stepping']}"
    arch = amd_microarchitecture(family, model) if fields.get("vendor_id") == "AuthenticAMD" else None
    return f"{name} ({detail}{': ' + arch if arch else ''})"


if __name__ == "__main__":
    print(describe())
