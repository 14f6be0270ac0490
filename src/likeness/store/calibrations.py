"""Threshold calibrations: one row per run, at most one active per modality and model."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.engine import Connection

from likeness.domain.calibration import BoundMethod, Calibration, DistanceHistogram, Rate
from likeness.domain.consent import Modality
from likeness.store.tables import calibrations


class CalibrationRepository:
    def __init__(self, connection: Connection) -> None:
        self._db = connection

    def add(self, item: Calibration) -> None:
        self._db.execute(
            calibrations.insert().values(
                id=item.id,
                modality=item.modality.value,
                model_id=item.model_id,
                detector_id=item.detector_id,
                dataset_sha256=item.dataset_sha256,
                people=item.people,
                files=item.files,
                genuine_pairs=item.genuine_pairs,
                impostor_pairs=item.impostor_pairs,
                threshold=repr(item.threshold),
                target_fmr=repr(item.target_fmr),
                rates=json.dumps(_rates_json(item)),
                created_at=item.created_at,
                created_by=item.created_by,
                active=False,  # activation is its own step (``activate``)
            )
        )

    def get(self, calibration_id: str) -> Calibration | None:
        row = self._db.execute(
            select(calibrations).where(calibrations.c.id == calibration_id)
        ).first()
        return None if row is None else _calibration(row)

    def all(self) -> list[Calibration]:
        query = select(calibrations).order_by(calibrations.c.created_at, calibrations.c.id)
        return [_calibration(row) for row in self._db.execute(query)]

    def active(self, modality: Modality, model_id: str) -> Calibration | None:
        """The calibration in force for exactly this model; one of another model never is."""
        query = select(calibrations).where(
            calibrations.c.modality == modality.value,
            calibrations.c.model_id == model_id,
            calibrations.c.active.is_(True),
        )
        row = self._db.execute(query).first()
        return None if row is None else _calibration(row)

    def activate(self, item: Calibration) -> None:
        """Make ``item`` the one in force for its modality and model."""
        same_model = (calibrations.c.modality == item.modality.value) & (
            calibrations.c.model_id == item.model_id
        )
        self._db.execute(update(calibrations).where(same_model).values(active=False))
        self._db.execute(
            update(calibrations).where(calibrations.c.id == item.id).values(active=True)
        )


def _rates_json(item: Calibration) -> dict[str, Any]:
    """The rates at the threshold, and the distances' histogram (counts per bin) where
    there is one: kept in the same JSON column, so no schema change was needed for it."""
    rates: dict[str, Any] = {"fmr": _rate_json(item.fmr), "fnmr": _rate_json(item.fnmr)}
    if item.histogram is not None:
        rates["histogram"] = item.histogram.to_json()
    return rates


def _rate_json(value: Rate) -> dict[str, Any]:
    return {
        "errors": value.errors,
        "trials": value.trials,
        "lower": value.lower,
        "upper": value.upper,
        "method": value.method.value,
    }


def _rate(data: dict[str, Any]) -> Rate:
    return Rate(
        data["errors"], data["trials"], data["lower"], data["upper"], BoundMethod(data["method"])
    )


def _calibration(row: Any) -> Calibration:
    rates = json.loads(row.rates)
    return Calibration(
        id=row.id,
        modality=Modality(row.modality),
        model_id=row.model_id,
        detector_id=row.detector_id,
        dataset_sha256=row.dataset_sha256,
        people=int(row.people),
        files=int(row.files),
        genuine_pairs=int(row.genuine_pairs),
        impostor_pairs=int(row.impostor_pairs),
        threshold=float(row.threshold),
        target_fmr=float(row.target_fmr),
        fmr=_rate(rates["fmr"]),
        fnmr=_rate(rates["fnmr"]),
        created_at=row.created_at,
        created_by=row.created_by,
        active=bool(row.active),
        histogram=None
        if "histogram" not in rates
        else DistanceHistogram.from_json(rates["histogram"]),
    )
