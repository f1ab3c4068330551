"""The predicted chance that a lead's deal is won: a logistic regression on the BANT answers,
the ICP fit and the channel, calibrated (Platt) on data it was not fitted on, and checked on
the latest deals. Parameters are plain numbers (JSON), never a pickled object."""

import math
from dataclasses import dataclass, field
from datetime import datetime

from django.utils.translation import gettext as _

MIN_ROWS = 40


@dataclass(frozen=True)
class TrainRow:
    closed_at: datetime
    won: bool
    bant: dict[str, str]
    icp_fit: float
    channel: str


@dataclass
class WinModel:
    enough_data: bool = False
    message: str = ""
    features: list[str] = field(default_factory=list)
    weights: list[float] = field(default_factory=list)
    intercept: float = 0.0
    platt: tuple[float, float] = (1.0, 0.0)
    holdout_auc: float | None = None
    calibration: list[dict] = field(default_factory=list)
    train_rows: int = 0
    holdout_rows: int = 0

    def as_json(self) -> dict:
        return {**self.__dict__, "platt": list(self.platt)}


def _vector(row: TrainRow | dict, features: list[str]) -> list[float]:
    bant = row["bant"] if isinstance(row, dict) else row.bant
    icp = row["icp_fit"] if isinstance(row, dict) else row.icp_fit
    channel = row["channel"] if isinstance(row, dict) else row.channel
    present = {f"bant:{k}={v}" for k, v in bant.items()} | {f"channel:{channel}"}
    return [(icp or 0.0) if f == "icp_fit" else float(f in present) for f in features]


def _sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-max(-30.0, min(30.0, x))))


def predict(params: dict, *, bant: dict, icp_fit: float | None, channel: str) -> float:
    x = _vector({"bant": bant, "icp_fit": icp_fit, "channel": channel}, params["features"])
    raw = sum(w * v for w, v in zip(params["weights"], x, strict=True)) + params["intercept"]
    a, b = params["platt"]
    return _sigmoid(a * raw + b)


def train(rows: list[TrainRow]) -> WinModel:
    """Earlier 70 %: the first 3/4 fit the model, the last 1/4 calibrate it; the latest 30 %
    only measure it (AUC, and predicted against actual win rate per decile)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score

    ordered = sorted(rows, key=lambda r: r.closed_at)
    model = WinModel()
    if len(ordered) < MIN_ROWS or len({r.won for r in ordered}) < 2:
        model.message = _(
            "not enough data: %(n)d closed deals from qualified leads, at least %(need)d with "
            "wins and losses are needed"
        ) % {"n": len(ordered), "need": MIN_ROWS}
        return model
    cut = int(len(ordered) * 0.7)
    train_part, holdout = ordered[:cut], ordered[cut:]
    fit_part, calibrate_part = train_part[: int(cut * 0.75)], train_part[int(cut * 0.75) :]
    if len({r.won for r in fit_part}) < 2 or len({r.won for r in holdout}) < 2:
        model.message = _("the deals are all wins or all losses in a part of the history")
        return model
    features = sorted(
        {f"bant:{k}={v}" for r in fit_part for k, v in r.bant.items()}
        | {f"channel:{r.channel}" for r in fit_part}
    ) + ["icp_fit"]
    regression = LogisticRegression(C=1.0, max_iter=2000)
    regression.fit([_vector(r, features) for r in fit_part], [r.won for r in fit_part])
    model.features = features
    model.weights = [float(w) for w in regression.coef_[0]]
    model.intercept = float(regression.intercept_[0])
    raw = [
        sum(w * v for w, v in zip(model.weights, _vector(r, features), strict=True))
        + model.intercept
        for r in calibrate_part
    ]
    if len({r.won for r in calibrate_part}) == 2:
        platt = LogisticRegression(C=1e6, max_iter=2000)
        platt.fit([[x] for x in raw], [r.won for r in calibrate_part])
        model.platt = (float(platt.coef_[0][0]), float(platt.intercept_[0]))
    params = model.as_json()
    predicted = [
        predict(params, bant=r.bant, icp_fit=r.icp_fit, channel=r.channel) for r in holdout
    ]
    labels = [r.won for r in holdout]
    model.holdout_auc = float(roc_auc_score(labels, predicted))
    ranked = sorted(zip(predicted, labels, strict=True))
    for d in range(10):
        part = ranked[d * len(ranked) // 10 : (d + 1) * len(ranked) // 10]
        if part:
            model.calibration.append(
                {
                    "decile": d + 1,
                    "deals": len(part),
                    "predicted": sum(p for p, _w in part) / len(part),
                    "actual": sum(w for _p, w in part) / len(part),
                }
            )
    model.enough_data = True
    model.train_rows, model.holdout_rows = len(train_part), len(holdout)
    return model
