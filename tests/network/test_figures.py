"""The network's figures: percentiles against a hand-computed table, the publication rule
(k-anonymity with a dominance limit), an attempt to read one garage's figure back out, the
fallback from model to make + fuel to fuel, and the PostgreSQL path equal to the Python one."""

from decimal import Decimal

import pytest

from network.bands import Level
from network.models import NetworkFigure
from network.selectors import expectation_for
from network.services import network_figures, network_figures_compute
from tests.garage.factories import GarageFactory
from tests.network.world import TODAY, Car, make_cars, spread

pytestmark = pytest.mark.django_db
PATHS = ["postgres", "python"]


@pytest.fixture
def garages(db):
    return [GarageFactory() for _ in range(5)]


def cells(path, level=Level.MODEL):
    rows, _cars = network_figures(TODAY, path=path)
    return {
        (row.make, row.model, row.fuel, row.age_band, row.km_band): row
        for row in rows
        if row.level == level
    }


@pytest.mark.needs_postgres
@pytest.mark.parametrize("path", PATHS)
def test_cost_percentiles_equal_a_hand_computed_table(garages, path):
    # 20 cars from 4 garages, costs 100, 200, ... 2000 over the last 12 months.
    make_cars([Car(garage=garages[i % 4], cost=f"{(i + 1) * 100}.00") for i in range(20)])

    (row,) = cells(path).values()

    # percentile_cont: position (n - 1) x p between the sorted values, interpolated.
    assert (row.cost_p25, row.cost_median, row.cost_p75) == (
        Decimal("575.00"),  # 4.75: 500 + 0.75 x 100
        Decimal("1050.00"),  # 9.5: between 1000 and 1100
        Decimal("1525.00"),  # 14.25: 1500 + 0.25 x 100
    )
    assert (row.cars, row.garages, row.cost_cars) == (20, 4, 20)
    assert (row.make, row.model, row.fuel, row.age_band, row.km_band) == (
        "VOLKSWAGEN",
        "GOLF",
        "Benzine",
        "6-9",
        "60-120k",
    )


@pytest.mark.needs_postgres
@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize(
    ("per_garage", "published"),
    [
        ((7, 6, 6), True),  # 19 cars: one short
        ((7, 7, 6), True),
        ((10, 10), False),  # 20 cars but 2 garages
        ((11, 5, 4), False),  # one garage has more than half
        ((10, 5, 5), True),  # exactly half is allowed
    ],
)
def test_a_cell_is_published_from_20_cars_of_3_garages_none_above_half(
    garages, path, per_garage, published
):
    cars = []
    for garage, count in zip(garages, per_garage, strict=False):
        cars += [Car(garage=garage) for _ in range(count)]
    make_cars(cars)
    expected = published and sum(per_garage) >= 20

    rows, _cars = network_figures(TODAY, path=path)

    assert bool(rows) is expected
    for row in rows:
        assert row.cost_cars >= 20
        assert row.garages >= 3


@pytest.mark.needs_postgres
def test_one_garages_figure_cannot_be_read_back_from_the_published_cells(garages):
    """Garage X is the only one with Renault Zoes: the Zoe cell is not published. The
    Renault-electric cell (X's 12 Zoes and 21 Meganes of three other garages) is, as is the
    Megane cell. Differencing them, as one could with totals or means, does not give X's
    figure: only percentiles and counts are published."""
    x, others = garages[0], garages[1:4]
    zoes = [
        Car(garage=x, make="RENAULT", model="ZOE", fuel="Elektriciteit", cost=f"{1800 + i}.00")
        for i in range(12)
    ]
    meganes = [
        Car(
            garage=others[i % 3],
            make="RENAULT",
            model="MEGANE",
            fuel="Elektriciteit",
            cost=f"{300 + 10 * i}.00",
        )
        for i in range(21)
    ]
    make_cars(zoes + meganes)
    x_median = Decimal("1805.50")
    network_figures_compute(today=TODAY)

    published = list(NetworkFigure.objects.all())
    assert not any(row.model == "ZOE" for row in published)
    assert all(row.garages >= 3 and row.cars >= 20 for row in published)
    wide = NetworkFigure.objects.get(level=Level.MAKE_FUEL, make="RENAULT")
    megane = NetworkFigure.objects.get(level=Level.MODEL, model="MEGANE")
    # The attacker's best try: treat the medians as means and take the difference.
    attempt = (wide.cost_median * wide.cost_cars - megane.cost_median * megane.cost_cars) / 12
    assert abs(attempt - x_median) > 100
    # Nor is X's median any published figure of a cell that holds X's cars.
    figures = {wide.cost_p25, wide.cost_median, wide.cost_p75}
    assert x_median not in figures


@pytest.mark.needs_postgres
def test_a_car_gets_the_most_specific_published_level(garages):
    # 20 Golfs (published at model level); 5 Polos (not), which the VW-petrol cell covers;
    # 20 petrol Fiats of several models make the petrol cell for a lone Kia.
    golfs = spread(garages[:4], 20, model="GOLF", cost="400.00")
    polos = spread(garages[:3], 5, model="POLO", cost="900.00")
    fiats = [
        Car(garage=garages[i % 4], make="FIAT", model=f"M{i % 3}", cost="700.00") for i in range(20)
    ]
    kia = [Car(garage=garages[4], make="KIA", model="PICANTO", cost="100.00")]
    golf, polo, _fiat, lone_kia = (
        made[0] for made in (make_cars(golfs), make_cars(polos), make_cars(fiats), make_cars(kia))
    )
    network_figures_compute(today=TODAY)

    assert expectation_for(golf, today=TODAY).cost.level == Level.MODEL
    polo_cost = expectation_for(polo, today=TODAY).cost
    assert polo_cost.level == Level.MAKE_FUEL
    assert polo_cost.cars == 25
    kia_cost = expectation_for(lone_kia, today=TODAY).cost
    assert kia_cost.level == Level.FUEL
    assert kia_cost.cars == 46


@pytest.mark.needs_postgres
def test_intervals_and_findings_are_published_with_their_own_numbers(garages):
    every_9_months = [(30, 80_000), (304, 70_000), (578, 60_000)]
    cars = spread(garages[:4], 24, services=every_9_months, checked=True)
    for car in cars[:6]:
        car.now = ("brakes_front", "brakes_rear")  # one finding group, counted once
    for car in cars[6:9]:
        car.now = ("battery",)
    make_cars(cars + spread(garages[:4], 4, cost=None))  # 4 without a year of history
    network_figures_compute(today=TODAY)

    row = NetworkFigure.objects.get(level=Level.MODEL)
    assert (row.cars, row.cost_cars, row.interval_cars, row.checked_cars) == (28, 24, 24, 24)
    assert row.interval_months == Decimal("9.0")  # 274 days / 30.4375
    assert row.interval_km == 10_000
    assert row.findings["brakes"] == 0.25
    assert row.findings["battery"] == 0.125
    expectation = expectation_for(make_cars([Car(garage=garages[0], cost=None)])[0], today=TODAY)
    assert [likely.group for likely in expectation.likely] == ["brakes", "battery"]
    assert expectation.interval.cars == 24


@pytest.mark.needs_postgres
def test_the_postgres_path_equals_the_python_path_on_mixed_data(garages):
    import random

    rng = random.Random(21)
    cars = []
    for _ in range(160):
        services = sorted(
            (
                (rng.randrange(20, 1500), rng.randrange(10_000, 150_000))
                for _ in range(rng.randrange(0, 5))
            ),
            key=lambda s: -s[0],
        )
        cars.append(
            Car(
                garage=rng.choice(garages),
                make=rng.choice(["VOLKSWAGEN", "FIAT"]),
                model=rng.choice(["A", "B"]),
                fuel=rng.choice(["Benzine", "Diesel"]),
                age_years=rng.choice([7, 8, 12]),
                km=rng.choice(
                    [rng.randrange(60_000, 120_000)] * 4 + [rng.randrange(5_000, 250_000)]
                ),
                cost=rng.choice([None, f"{rng.randrange(0, 3000)}.{rng.randrange(0, 100):02d}"]),
                services=services,
                checked=rng.random() < 0.7,
                now=tuple(
                    rng.sample(
                        ["brakes_front", "tyres_rear", "battery", "lights"], rng.randrange(0, 3)
                    )
                ),
            )
        )
    make_cars(cars)

    def as_dicts(path):
        rows, count = network_figures(TODAY, path=path)
        fields = [
            "level",
            "make",
            "model",
            "fuel",
            "age_band",
            "km_band",
            "cars",
            "garages",
            "cost_cars",
            "cost_p25",
            "cost_median",
            "cost_p75",
            "interval_cars",
            "interval_months",
            "interval_km",
            "checked_cars",
            "findings",
        ]
        return count, sorted(
            ({name: getattr(row, name) for name in fields} for row in rows),
            key=lambda row: (
                row["level"],
                row["make"],
                row["model"],
                row["fuel"],
                row["age_band"],
                row["km_band"],
            ),
        )

    postgres, python = as_dicts("postgres"), as_dicts("python")
    assert postgres[0] == python[0] == 160
    published = postgres[1]
    assert any(row["cost_median"] is not None for row in published)
    assert any(row["interval_months"] is not None for row in published)
    assert any(row["findings"] for row in published)
    assert postgres == python


@pytest.mark.needs_postgres
def test_a_second_run_the_same_day_does_nothing_and_force_recomputes(garages):
    make_cars(spread(garages[:4], 20))
    first = network_figures_compute(today=TODAY)
    again = network_figures_compute(today=TODAY)
    forced = network_figures_compute(today=TODAY, force=True)

    assert (first.cells, first.skipped) == (3, False)
    assert again.skipped
    assert forced.cells == 3
    assert NetworkFigure.objects.count() == 3
