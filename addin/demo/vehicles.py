"""The vehicles of the demo store: the fleet its customers drive (ISO 3779 VINs, Guangdong
plates, warranty and insurance), its courtesy cars, and the new cars sold during the span with
their pre-delivery inspection and first service scheduled."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from typing import Any

from addin.checks import vin_check_digit
from addin.demo.context import STORE_NAME, Context, add_months, record
from addin.demo.people import person, phone

INSURERS = (
    (("PICC P&C", "中国人保财险"), 0.34), (("Ping An Insurance", "平安保险"), 0.30),
    (("CPIC", "太平洋保险"), 0.18), (("China Continent Insurance", "大地保险"), 0.10),
    (("China United Insurance", "中华联合保险"), 0.08),
)

# code, English, Chinese, VDS (positions 4-8), parts cost factor, share of the fleet
MODELS: tuple[tuple[str, str, str, str, float, float], ...] = (
    ("A3", "Aurora A3", "极光A3", "SA3C1", 1.00, 0.34),
    ("A5", "Aurora A5", "极光A5", "SA5C2", 1.15, 0.26),
    ("S7", "Aurora S7 SUV", "极光S7 SUV", "UA7D3", 1.35, 0.30),
    ("X9", "Aurora X9 MPV", "极光X9 MPV", "MX9E4", 1.60, 0.10),
)

_MODEL_INDEX = tuple(range(len(MODELS)))
_MODEL_WEIGHTS = tuple(m[5] for m in MODELS)
_INSURER_NAMES = tuple(i[0] for i in INSURERS)
_INSURER_WEIGHTS = tuple(i[1] for i in INSURERS)

# ---------------------------------------------------------------------------------------------
# VINs: ISO 3779 with the check digit at position 9 (mandatory in China, GB 16735).

# Model-year letters (position 10) cycle every 30 years; 2010 = A.
_MODEL_YEAR = "ABCDEFGHJKLMNPRSTVWXY123456789"


def make_vin(wmi: str, vds: str, year: int, plant: str, serial: int) -> str:
    """A VIN with its check digit."""
    # The check digit's own position has weight 0: any placeholder will do before computing it.
    draft = f"{wmi}{vds}0{_MODEL_YEAR[(year - 2010) % 30]}{plant}{serial:06d}"
    return draft[:8] + vin_check_digit(draft) + draft[9:]


@dataclass
class Vehicle:
    vin: str
    plate: str | None
    model: int
    variant: int
    customer: str | None
    phone: str | None
    sale: dt.date
    warranty_end: dt.date
    warranty_km: int
    insurer: str | None
    km_per_day: float
    km_at_sale: int
    last_km: int = 0
    busy_until: dt.date = dt.date.min


class Fleet:
    """Every vehicle of the store: ``fleet`` the customers', ``courtesy`` the store's own, and
    ``scheduled`` the PDI and first-service visits by day."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.vehicles: list[Vehicle] = []
        self.plates: set[str] = set()
        self.fleet: list[Vehicle] = []
        self.courtesy: list[Vehicle] = []
        self.scheduled: dict[dt.date, list[tuple[str, Vehicle]]] = {}

    def _plate(self) -> str:
        ctx = self.ctx
        rng = ctx.rng
        letters = "ABCDEFGHJKLMNPQRSTUVWXYZ"
        while True:
            city = ctx.choice("BBBBBBBBAS")
            if rng.random() < 0.6:
                tail = f"{ctx.choice(letters)}{rng.randrange(10000):04d}"
            else:
                tail = f"{rng.randrange(100000):05d}"
            plate = f"粤{city}{tail}"
            if plate not in self.plates:
                self.plates.add(plate)
                return plate

    def _vehicle(self, sale: dt.date, store_owned: bool = False) -> Vehicle:
        ctx = self.ctx
        rng = ctx.rng
        model = ctx.weighted(_MODEL_INDEX, _MODEL_WEIGHTS)
        serial = 100000 + len(self.vehicles) * 7 + rng.randrange(7)
        vin = make_vin("LRA", MODELS[model][3], sale.year, "B", serial)
        if store_owned:
            customer, mobile = ctx.t(STORE_NAME), None
        else:
            customer, mobile = person(ctx)[0], phone(ctx)
        insurer = None
        if rng.random() < 0.96:
            insurer = ctx.t(ctx.weighted(_INSURER_NAMES, _INSURER_WEIGHTS))
        km_per_day = rng.uniform(18, 75)
        vehicle = Vehicle(vin, self._plate(), model, rng.randrange(3), customer, mobile, sale,
                          add_months(sale, 36), 100000, insurer, km_per_day, ctx.randint(8, 60))
        self.vehicles.append(vehicle)
        return vehicle

    def build(self) -> None:
        """The fleet, the courtesy cars and the cars sold during the span, with their visits."""
        ctx = self.ctx
        rng = ctx.rng
        base = int(ctx.per_month * max(ctx.months, 12) / 2.2)
        for _ in range(base):
            sale = ctx.start - dt.timedelta(days=int(rng.triangular(20, 8 * 365, 600)))
            self._vehicle(sale)
        self.fleet = list(self.vehicles)
        self.courtesy = [self._vehicle(ctx.start - dt.timedelta(days=ctx.randint(100, 700)), store_owned=True)
                         for _ in range(max(2, int(2 * ctx.scale ** 0.5)))]
        # Cars sold during the span, and at the same pace in the seven months before it (so that
        # a short span has as many first services as a long one): a PDI job a few days before the sale.
        month = add_months(dt.date(ctx.start.year, ctx.start.month, 1), -7)
        sold: list[Vehicle] = []
        while month <= ctx.end:
            days = calendar.monthrange(month.year, month.month)[1]
            for _ in range(max(1, round(ctx.per_month * 0.12 * rng.uniform(0.8, 1.2)))):
                sale = month + dt.timedelta(days=rng.randrange(days))
                if sale > ctx.end:
                    continue
                vehicle = self._vehicle(sale)
                sold.append(vehicle)
                pdi = sale - dt.timedelta(days=ctx.randint(1, 4))
                if pdi >= ctx.start:
                    self.scheduled.setdefault(pdi, []).append(("pdi", vehicle))
            month = add_months(month, 1)
        # First service about first_service_months (6) after the sale, for most customers.
        for vehicle in self.fleet + sold:
            due = add_months(vehicle.sale, 6) + dt.timedelta(days=ctx.randint(-20, 20))
            if ctx.start <= due <= ctx.end and rng.random() < 0.85:
                self.scheduled.setdefault(due, []).append(("first", vehicle))
        self.fleet.extend(sold)

    def insurance_expiry(self, vehicle: Vehicle) -> dt.date | None:
        """The end of the vehicle's current insurance year (renewed each year on the sale date)."""
        if vehicle.insurer is None:
            return None
        years = 1
        while add_months(vehicle.sale, 12 * years) <= self.ctx.end - dt.timedelta(days=60):
            years += 1
        return add_months(vehicle.sale, 12 * years)

    def records(self) -> list[dict[str, Any]]:
        """The vehicles sheet's records."""
        models = [m[1 + self.ctx.lang] for m in MODELS]
        return [record("vehicles", vin=v.vin, plate=v.plate, model=models[v.model], customer_name=v.customer,
                       customer_phone=v.phone, sale_date=v.sale, warranty_end_date=v.warranty_end,
                       warranty_km=v.warranty_km, insurer=v.insurer, insurance_expiry=self.insurance_expiry(v))
                for v in self.vehicles]

    def under_warranty(self, vehicle: Vehicle, day: dt.date) -> bool:
        """Whether the vehicle is within its warranty's time and (with a margin) distance."""
        return day <= vehicle.warranty_end and self.expected_km(vehicle, day) <= vehicle.warranty_km * 0.97

    def expected_km(self, vehicle: Vehicle, day: dt.date) -> int:
        """The odometer the vehicle's daily distance gives on ``day``."""
        return max(vehicle.last_km, int(vehicle.km_at_sale + max(0, (day - vehicle.sale).days) * vehicle.km_per_day))

    def km(self, vehicle: Vehicle, day: dt.date) -> int:
        """The odometer at a visit: never below the last visit's (a PDI is a few km before the sale)."""
        if day < vehicle.sale:
            km = vehicle.km_at_sale - self.ctx.randint(0, 5)
        else:
            km = self.expected_km(vehicle, day)
        vehicle.last_km = km
        return km
