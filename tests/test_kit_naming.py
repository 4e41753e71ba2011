"""One term per thing users see (issue 9 leftover 4): the list column 截止日 (SCENARIOS.md §6 due_date) is what
the strategy table's help, the 参数 sheet, 说明 and the parameter messages call the due date — never 完成时限."""
from __future__ import annotations

import dataclasses

import pytest

from bankxl.errors import ParameterError
from bankxl.lists import check_levels, strategy_param
from bankxl.scenario import params_table, registry

OLD_TERMS = ("完成时限",)


def test_strategy_help_and_message_say_due_date():
    @dataclasses.dataclass(frozen=True)
    class P:
        strategy: tuple = strategy_param((("A", "电话", 5),))

    help_ = dataclasses.fields(P)[0].metadata["help"]
    assert "截止日" in help_ and "第 N 个工作日" in help_ and not any(t in help_ for t in OLD_TERMS)
    with pytest.raises(ParameterError) as e:
        check_levels((("A", 10),), (("A", "电话", -1),))
    assert "截止日" in str(e.value) and not any(t in str(e.value) for t in OLD_TERMS)


@pytest.mark.parametrize("spec", list(registry().values()), ids=lambda s: s.code)
def test_param_sheet_and_notes_use_one_term_for_the_due_date(spec):
    """The 参数 sheet rows (label, unit, help) of every scenario never say 完成时限; a strategy table's help
    names 截止日."""
    table = params_table(spec.default_params())
    text = table.astype(str).to_numpy().ravel().tolist()
    assert not [t for t in text if any(o in t for o in OLD_TERMS)], spec.id
    for f in dataclasses.fields(spec.params):
        if "策略" in f.metadata.get("zh", "") and isinstance(f.default, tuple):
            assert "截止日" in f.metadata.get("help", ""), f"{spec.id}.{f.name}: {f.metadata.get('help')}"
