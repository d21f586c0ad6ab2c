"""The Délais tab's distribution: every delay in a bin, round bin widths, pooled categories."""

from __future__ import annotations

from datetime import UTC, datetime

from scop.reports.dashboard import (
    Dashboard,
    delay_bin_events,
    delay_samples,
    histogram,
    overall_delays,
)

T = datetime(2026, 11, 23, 8, tzinfo=UTC)


def _dashboard(samples: dict[tuple[str, bool], tuple[float, ...]]) -> Dashboard:
    return Dashboard(T, T, (T,), {"ASB": (3,), "FIR": (2,)}, {}, {}, {}, {}, (), (),
                     delay_samples=samples)  # fmt: skip


def test_bins_hold_every_delay_in_round_widths() -> None:
    h = histogram([0.0, 29.9, 30.0, 59.0, 61.0, 179.9])
    assert h.width == 30  # three minutes in half minutes
    assert h.counts == (2, 2, 1, 0, 0, 1)  # [0,30) [30,60) [60,90) … [150,180)
    assert h.total == 6
    assert h.median == (30.0 + 59.0) / 2
    assert h.p90 == 179.9
    long = histogram([float(s) for s in range(0, 3 * 3600, 7)])  # up to three hours
    assert long.width == 600
    assert len(long.counts) <= 30
    assert long.total == len(range(0, 3 * 3600, 7))
    assert histogram([]).counts == ()
    assert histogram([]).median is None


def test_all_categories_pool_the_sorted_delays() -> None:
    d = _dashboard({("ASB", False): (10.0, 50.0, 90.0), ("FIR", False): (20.0, 30.0),
                    ("FIR", True): (400.0,)})  # fmt: skip
    assert delay_samples(d, None, False) == [10.0, 20.0, 30.0, 50.0, 90.0]
    assert delay_samples(d, "FIR", False) == [20.0, 30.0]
    assert delay_samples(d, "ASB", True) == []
    row = overall_delays(d)
    assert (row.events, row.engage_median, row.engage_p90) == (5, 30.0, 90.0)
    assert (row.scene_median, row.scene_p90) == (400.0, 400.0)


def test_a_bin_gives_back_the_events_it_counts() -> None:
    """Each bin's events are exactly as many as its bar, bounded as the bar is: the first
    bin from below zero, the last up to its longest delay, and nothing twice."""
    events = (("ASB", False, 10.0, "EV-1"), ("ASB", False, 50.0, "EV-2"),
              ("ASB", False, 90.0, "EV-3"), ("FIR", False, 20.0, "EV-4"),
              ("FIR", False, 30.0, "EV-5"), ("FIR", True, 400.0, "EV-4"),
              ("FIR", False, -2.0, "EV-6"))  # fmt: skip
    d = Dashboard(T, T, (T,), {}, {}, {}, {}, {}, (), (), delay_events=events)
    h = histogram(sorted(s for _c, on, s, _e in events if not on))
    assert (h.width, h.counts) == (30, (3, 2, 0, 1))
    bins = [delay_bin_events(d, None, False, h, i) for i in range(len(h.counts))]
    assert bins == [["EV-6", "EV-1", "EV-4"], ["EV-5", "EV-2"], [], ["EV-3"]]
    assert [len(b) for b in bins] == list(h.counts)
    fir = histogram([-2.0, 20.0, 30.0])
    assert delay_bin_events(d, "FIR", False, fir, 0) == ["EV-6", "EV-4"]
    assert delay_bin_events(d, "FIR", False, fir, 1) == ["EV-5"]
    scene = histogram([400.0])
    assert scene.counts[-1] == 1
    assert delay_bin_events(d, "FIR", True, scene, len(scene.counts) - 1) == ["EV-4"]
    assert delay_bin_events(d, "FIR", True, scene, 0) == []
    assert delay_bin_events(d, None, False, h, 4) == []
