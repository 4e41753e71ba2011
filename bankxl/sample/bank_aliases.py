"""Sample ``bank_aliases`` 机构别名 (D1; issue 11): the names the sample PBOC reports (:mod:`.market_share`) give a
bank besides its current one — 东方农商银行 was 东方农村合作银行 until 2023-06-30 (更名: 失效日期 set), reports before
2022 name 邮储银行 in full (中国邮政储蓄银行: 简称, undated), and the sample bank's own short name 示例行."""
from __future__ import annotations

import numpy as np

from ._common import BANK_NAME

#: (old name, current name, last date of the old name)
RENAMED = ("东方农村合作银行", "东方农商银行", "2023-06-30")
#: (full name used before the date, short name, first date of the short name)
FULL_NAME = ("中国邮政储蓄银行", "邮储银行", "2022-01-01")


def _make_bank_aliases() -> dict:
    """The 机构别名 columns (alias, bank_name, valid_from, valid_to, reason) as arrays; deterministic."""
    return {"alias": np.array([RENAMED[0], FULL_NAME[0], "示例行"], dtype=object),
            "bank_name": np.array([RENAMED[1], FULL_NAME[1], BANK_NAME], dtype=object),
            "valid_from": np.array(["NaT", "NaT", "NaT"], dtype="datetime64[ns]"),
            "valid_to": np.array([RENAMED[2], "NaT", "NaT"], dtype="datetime64[ns]"),
            "reason": np.array(["更名", "简称", "简称"], dtype=object)}
