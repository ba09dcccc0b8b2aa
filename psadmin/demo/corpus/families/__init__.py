"""The task families, one module per category, in the order the corpus deals them.

A template line may start with a feature marker: `?export|` keeps the line only when the
script version has that feature, `?!modern|` only when it lacks it, and `?extra,!whatif|`
requires both conditions. `{{Name}}` is a slot filled per script from the shared context or
the family's own `slots`.

Parameter lines read `Name|Type|Flags|Default|Validation|Description`; Flags holds `M` for
a mandatory parameter. Families never put `|` in a validation attribute.
"""

from __future__ import annotations

from psadmin.demo.corpus.families import (
    active_directory,
    backup,
    cloud,
    data,
    devops,
    exchange,
    monitoring,
    network,
    security,
    system,
)
from psadmin.demo.corpus.vocabulary import Family

__all__ = ["FAMILIES"]

FAMILIES: tuple[Family, ...] = (
    system.FAMILIES
    + security.FAMILIES
    + active_directory.FAMILIES
    + cloud.FAMILIES
    + network.FAMILIES
    + monitoring.FAMILIES
    + backup.FAMILIES
    + devops.FAMILIES
    + data.FAMILIES
    + exchange.FAMILIES
)
