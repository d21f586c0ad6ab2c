"""The one "next id under a prefix" rule of events, perimeters, hazards, lookouts, handovers."""

from scop.models.ids import next_id


def test_next_id_is_one_past_the_highest_of_its_prefix() -> None:
    assert next_id("EV-", []) == "EV-0001"
    assert next_id("EV-", ["EV-0002", "EV-0041", "PER-0099"]) == "EV-0042"


def test_ids_of_another_shape_do_not_count_and_do_not_fail() -> None:
    taken = ["EV-0007", "EV-12a", "EV-", "EV-٣٣", "EV-²", "PP-EV-0099"]
    assert next_id("EV-", taken) == "EV-0008"


def test_width_pads_the_number() -> None:
    assert next_id("RL-20261201-", ["RL-20261201-01", "RL-20261130-07"], width=2) == (
        "RL-20261201-02"
    )
