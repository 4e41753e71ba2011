"""Sample ``orgs`` (机构): 全行 → 3–4 分行 → 4–6 支行 each, with districts and staff counts."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ._common import BANK_NAME, ROOT_ID, _finish


# city, province-level prefix for addresses, districts (real 6-digit codes)
_CITIES = (
    (
        "北京",
        "北京市",
        (("110105", "朝阳区"), ("110108", "海淀区"), ("110102", "西城区"), ("110106", "丰台区")),
    ),
    (
        "上海",
        "上海市",
        (("310104", "徐汇区"), ("310115", "浦东新区"), ("310105", "长宁区"), ("310110", "杨浦区")),
    ),
    (
        "深圳",
        "广东省深圳市",
        (("440305", "南山区"), ("440304", "福田区"), ("440306", "宝安区"), ("440303", "罗湖区")),
    ),
    (
        "成都",
        "四川省成都市",
        (("510107", "武侯区"), ("510104", "锦江区"), ("510108", "成华区"), ("510105", "青羊区")),
    ),
    (
        "杭州",
        "浙江省杭州市",
        (("330106", "西湖区"), ("330102", "上城区"), ("330110", "余杭区"), ("330105", "拱墅区")),
    ),
    (
        "武汉",
        "湖北省武汉市",
        (("420106", "武昌区"), ("420102", "江岸区"), ("420111", "洪山区"), ("420103", "江汉区")),
    ),
)


_OUTLET_NAMES = (
    "城东",
    "城西",
    "城南",
    "城北",
    "高新",
    "开发区",
    "人民路",
    "中山路",
    "解放路",
    "新华路",
    "滨江",
    "科技园",
    "火车站",
    "新区",
    "文化路",
    "建设路",
)


def _make_orgs(rng: np.random.Generator) -> tuple[pd.DataFrame, dict]:
    n_branch = int(rng.integers(3, 5))
    city_idx = rng.choice(len(_CITIES), size=n_branch, replace=False)
    rows = [
        {
            "org_id": ROOT_ID,
            "org_name": BANK_NAME,
            "parent_id": None,
            "level": "全行",
            "region": _CITIES[city_idx[0]][1],
            "staff_count": int(rng.integers(80, 121)),
            "open_date": np.datetime64("1996-06-18"),
        }
    ]
    outlet_district = []  # (code, region) per outlet, in order
    for b, ci in enumerate(city_idx, start=1):
        city, prov, districts = _CITIES[ci]
        b_id = f"{b:02d}0000"
        b_open = np.datetime64("1998-01-01") + int(rng.integers(0, 365 * 12))
        rows.append(
            {
                "org_id": b_id,
                "org_name": f"{city}分行",
                "parent_id": ROOT_ID,
                "level": "分行",
                "region": prov,
                "staff_count": int(rng.integers(30, 61)),
                "open_date": b_open,
            }
        )
        k = int(rng.integers(4, 7))
        names = rng.choice(len(_OUTLET_NAMES), size=k, replace=False)
        for j, nm in enumerate(names, start=1):
            code, dist = districts[(j - 1) % len(districts)]
            staff = int(np.clip(np.round(rng.lognormal(np.log(14), 0.3)), 8, 25))
            o_open = b_open + int(rng.integers(0, 365 * 10))
            rows.append(
                {
                    "org_id": f"{b:02d}{j:04d}",
                    "org_name": f"{city}{_OUTLET_NAMES[nm]}支行",
                    "parent_id": b_id,
                    "level": "支行",
                    "region": f"{prov}{dist}",
                    "staff_count": staff,
                    "open_date": min(o_open, np.datetime64("2022-12-31")),
                }
            )
            outlet_district.append((int(code), f"{prov}{dist}"))
    df = pd.DataFrame(rows)
    df["open_date"] = df["open_date"].astype("datetime64[ns]")
    orgs = _finish("orgs", {c: df[c].to_numpy() for c in df.columns})
    return orgs, {"outlet_district": outlet_district}
