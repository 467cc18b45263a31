"""The intruder's view of a publication: linear programming over everything published.

Design note. Every published number is a linear equation over the members' true values
(non-negative): a sum is ``sum of x = v``, a ratio ``sum of num - r * sum of den = 0``.
An intruder who collects them all can compute, for any hidden cell or member value, the
smallest and largest value consistent with them: two LPs (HiGHS, through ``highspy``).
This is the audit of tau-ARGUS and R's sdcTable (de Wolf, "tau-ARGUS user manual",
"audit" / "protection levels"; Meindl, sdcTable ``protectTable`` + ``attack``): a
sensitive value is protected when the feasible interval reaches at least ``p`` below and
``p`` above it (upper and lower protection levels ``p * value``).

Two intruders are played: an outsider (a funder, the public) and an insider, each member
in turn, who also knows its own figures exactly (its variables fixed). For the insider,
the targets are the other members' values and the sensitive cells it is not part of.

What keeps it fast: the model of a connected component is built once and only its
objective and column bounds change between solves (HiGHS restarts from the last basis,
~0.05 ms for a 30-variable model). One "batch" LP that pushes all open targets up at once
(objective: sum of x_i / value_i) usually proves most of them protected in one solve, since
any feasible point with y_i >= (1 + p) x_i is a witness; only the rest get their own LP.
Each measure's variables are scaled by its largest value (rows by their largest coefficient)
and bounded by 1000 times it, which
can only make the intruder stronger (a smaller feasible set), never weaker.

When a target is not protected, :func:`protect` hides one more published equation, chosen
among the rows that bind the failing LP (non-zero duals) at the lowest cost, among those
whose removal actually moves the failing bound (a row implied by others, such as a ratio of
two published sums, can carry a dual and protect nothing), and solves again.
Hiding only removes equations, so a target protected once stays protected: one pass over
the targets is enough.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import highspy
import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

INF = highspy.kHighsInf
BOUND = 1e3  # variables are at most BOUND times the component's largest value (see above)
TOL = 1e-6  # relative to the value checked
LAST_RESORT = 1e12  # a row of this cost or more is hidden only when no other row binds
TRIES = 4  # binding rows tried (cheapest first) for one that moves a failing bound


@dataclass
class Model:
    """Cells as rows over variables (member x year x measure values)."""
    values: np.ndarray  # true value of each variable
    owner: np.ndarray  # the member (an integer) each variable belongs to
    matrix: sp.csr_matrix  # one row per cell: its coefficients over the variables
    rhs: np.ndarray  # each cell's value
    published: np.ndarray  # bool per row: the intruder knows this equation
    sensitive: np.ndarray  # bool per row: a hidden cell that must stay protected
    cost: np.ndarray  # cost of hiding each row (information lost)
    p: float = 0.10
    #: the measure (an integer) of each variable: each measure gets its own scale
    measure: np.ndarray | None = None
    #: rows hidden together: row -> its group (decomposition parts go as one)
    group: dict[int, list[int]] = field(default_factory=dict)


@dataclass(frozen=True)
class Failure:
    kind: str  # "cell" or "value"
    index: int  # row or variable
    intruder: int | None  # member index, or None for the outsider
    low: float
    high: float
    value: float


#: One LP's time before it is solved afresh another way (a warm start can stall).
SOLVE_SECONDS = 2.0


class _Component:
    """One connected block of variables and rows, loaded into HiGHS once."""

    def __init__(self, model: Model, cols: np.ndarray, rows: np.ndarray):
        self.model, self.cols, self.rows = model, cols, rows
        # y = x / col_scale (each measure's largest value), rows divided by their largest
        # coefficient: euros and jobs in one model, every number near 1 for HiGHS
        values = model.values[cols]
        kinds = model.measure[cols] if model.measure is not None else np.zeros(len(cols), int)
        self.col_scale = np.ones(len(cols))
        for kind in np.unique(kinds):
            mask = kinds == kind
            self.col_scale[mask] = max(float(values[mask].max(initial=0)), 1e-9)
        scaled = model.matrix[rows][:, cols] @ sp.diags(self.col_scale)
        self.row_scale = np.maximum(abs(scaled).max(axis=1).toarray().ravel(), 1e-300)
        self.sub_csr = sp.csr_matrix(scaled)  # targets: a . x == (a * col_scale) . y
        sub = (sp.diags(1 / self.row_scale) @ scaled).tocsc()
        self.x0 = values / self.col_scale
        self.h = highspy.Highs()
        self.h.setOptionValue("output_flag", False)
        for option, value in (("primal_feasibility_tolerance", 1e-9),
                              ("dual_feasibility_tolerance", 1e-9),
                              ("time_limit", SOLVE_SECONDS)):
            self.h.setOptionValue(option, value)
        lp = highspy.HighsLp()
        lp.num_col_, lp.num_row_ = len(cols), len(rows)
        lp.col_cost_ = np.zeros(len(cols))
        lp.col_lower_ = np.zeros(len(cols))
        lp.col_upper_ = np.full(len(cols), BOUND)
        lo, hi = self._row_bounds()
        lp.row_lower_, lp.row_upper_ = lo, hi
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = sub.indptr.astype(np.int32)
        lp.a_matrix_.index_ = sub.indices.astype(np.int32)
        lp.a_matrix_.value_ = sub.data.astype(float)
        lp.a_matrix_.num_col_, lp.a_matrix_.num_row_ = len(cols), len(rows)
        self.h.passModel(lp)
        self.local_col = {int(c): i for i, c in enumerate(cols)}
        self.local_row = {int(r): i for i, r in enumerate(rows)}
        self.all_cols = np.arange(len(cols), dtype=np.int32)

    def sensitive_cells(self) -> list[tuple[int, tuple[np.ndarray, np.ndarray]]]:
        """(row, sparse objective) of each sensitive cell with a positive value; once."""
        if not hasattr(self, "_sensitive"):
            csr = self.sub_csr
            self._sensitive = [
                (int(row), (csr.indices[csr.indptr[local]:csr.indptr[local + 1]].copy(),
                            csr.data[csr.indptr[local]:csr.indptr[local + 1]].copy()))
                for local, row in enumerate(self.rows)
                if self.model.sensitive[row] and self.model.rhs[row] > 0]
        return self._sensitive

    def dense(self, obj: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
        """A sparse objective (local columns, coefficients) as HiGHS's cost vector."""
        cost = np.zeros(len(self.cols))
        cost[obj[0]] = obj[1]
        return cost

    def _row_bounds(self) -> tuple[np.ndarray, np.ndarray]:
        rhs = self.model.rhs[self.rows] / self.row_scale
        pub = self.model.published[self.rows]
        return np.where(pub, rhs, -INF), np.where(pub, rhs, INF)

    def hide(self, row: int) -> None:
        self.h.changeRowBounds(self.local_row[row], -INF, INF)

    def show(self, row: int) -> None:
        local = self.local_row[row]
        value = self.model.rhs[row] / self.row_scale[local]
        self.h.changeRowBounds(local, value, value)

    def fix(self, local_cols: np.ndarray, on: bool) -> None:
        if len(local_cols) == 0:
            return
        lo = self.x0[local_cols] if on else np.zeros(len(local_cols))
        hi = self.x0[local_cols] if on else np.full(len(local_cols), BOUND)
        self.h.changeColsBounds(len(local_cols), local_cols.astype(np.int32), lo, hi)

    def solve(self, objective: np.ndarray, sense: int) -> tuple[np.ndarray | None, np.ndarray | None]:
        """Minimise (sense 1) or maximise (sense -1) objective . x; the point and row duals."""
        self.h.changeColsCost(len(self.cols), self.all_cols, sense * objective)
        self.h.run()
        status = self.h.getModelStatus()
        if status != highspy.HighsModelStatus.kOptimal:
            if status == highspy.HighsModelStatus.kInfeasible:
                raise RuntimeError("The published equations are inconsistent: audit model error.")
            # numerical trouble, or a warm start that stalls (seen: one LP of 1,500 columns
            # running for minutes after a few thousand quick ones): afresh, by the
            # interior-point method, then crossover to a vertex for the duals
            self.h.clearSolver()
            self.h.setOptionValue("solver", "ipm")
            self.h.setOptionValue("time_limit", 10 * SOLVE_SECONDS)
            try:
                self.h.run()
            finally:
                self.h.setOptionValue("solver", "choose")
                self.h.setOptionValue("time_limit", SOLVE_SECONDS)
            if self.h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
                return None, None
        solution = self.h.getSolution()
        return np.asarray(solution.col_value), np.asarray(solution.row_dual)


def _dot(obj: tuple[np.ndarray, np.ndarray], point: np.ndarray) -> float:
    return float(point[obj[0]] @ obj[1])


def _protected(reached: float, value: float, p: float, sense: int) -> bool:
    """The LP's bound reaches p beyond the true value (max: above; min: below)."""
    slack = TOL * abs(value)
    return reached >= value * (1 + p) - slack if sense == -1 else reached <= value * (1 - p) + slack


def _components(model: Model) -> list[tuple[np.ndarray, np.ndarray]]:
    """Connected blocks of the bipartite graph variables <-> rows."""
    m = model.matrix.tocsr()
    n_rows, n_cols = m.shape
    pattern = sp.csr_matrix((np.ones(m.nnz), m.indices, m.indptr), shape=m.shape)
    graph = sp.bmat([[None, pattern], [pattern.T, None]]).tocsr()
    count, labels = connected_components(graph, directed=False)
    row_labels, col_labels = labels[:n_rows], labels[n_rows:]
    out = []
    for label in range(count):
        cols = np.flatnonzero(col_labels == label)
        if len(cols):
            out.append((cols, np.flatnonzero(row_labels == label)))
    return out


class Auditor:
    """Plays the intruders against a model; :meth:`failures` lists what is not protected."""

    def __init__(self, model: Model):
        self.model = model
        self.blocks = [_Component(model, cols, rows) for cols, rows in _components(model)]

    def _targets(self, block: _Component, intruder: int | None) -> list[tuple]:
        """(kind, index, sparse objective over local columns, true value in the objective's
        units) for each value to protect."""
        m = self.model
        out = []
        own = m.owner[block.cols] == intruder if intruder is not None else np.zeros(len(block.cols), bool)
        for local, col in enumerate(block.cols):
            if not own[local] and block.x0[local] > 0:
                out.append(("value", int(col), (np.array([local]), np.ones(1)), float(block.x0[local])))
        for row, obj in block.sensitive_cells():
            if not m.published[row] and not own[obj[0]].any():
                out.append(("cell", row, obj, float(m.rhs[row])))
        return out

    def _check(self, block: _Component, target: tuple, sense: int) -> tuple[bool, float, np.ndarray | None]:
        kind, index, obj, value = target
        point, duals = block.solve(block.dense(obj), sense)
        if point is None:
            return True, float("nan"), None  # unbounded or unsolved: not pinned down
        reached = _dot(obj, point)
        p = self.model.p
        return _protected(reached, value, p, sense), reached, duals

    def _batch(self, block: _Component, targets: list[tuple], sense: int) -> list[tuple]:
        """Targets not yet proven protected in one direction, after batch witness LPs."""
        p = self.model.p
        open_ = targets
        for _ in range(6):
            if len(open_) < 4:
                break
            objective = np.zeros(len(block.cols))
            for t in open_:
                objective[t[2][0]] += t[2][1] / t[3]
            point, _duals = block.solve(objective, sense)
            if point is None:
                break
            still = []
            for t in open_:
                if not _protected(_dot(t[2], point), t[3], p, sense):
                    still.append(t)
            if len(still) == len(open_):
                break
            open_ = still
        return open_

    def run(self, intruders: bool = True,
            on_failure: Callable[[_Component, tuple, int, np.ndarray | None, float], bool] | None = None,
            ) -> list[Failure]:
        """Every target of every block, for the outsider and (``intruders``) each member.
        ``on_failure`` may hide a row and return True to have the target checked again."""
        failures: list[Failure] = []
        for block in self.blocks:
            members = [None]
            if intruders:
                members += sorted({int(o) for o in self.model.owner[block.cols]})
            for who in members:
                fixed = np.flatnonzero(self.model.owner[block.cols] == who) if who is not None \
                    else np.array([], dtype=np.int64)
                block.fix(fixed, True)
                try:
                    targets = self._targets(block, who)
                    for sense in (-1, 1):
                        for target in self._batch(block, targets, sense):
                            while True:
                                ok, reached, duals = self._check(block, target, sense)
                                if ok:
                                    break
                                if on_failure is not None and on_failure(block, target, sense, duals,
                                                                         reached):
                                    continue
                                unit = block.col_scale[block.local_col[target[1]]] \
                                    if target[0] == "value" else 1.0
                                lo, hi = (reached, float("nan")) if sense == 1 else (float("nan"), reached)
                                failures.append(Failure(target[0], target[1], who, lo * unit,
                                                        hi * unit, target[3] * unit))
                                break
                finally:
                    block.fix(fixed, False)
        return failures


def protect(model: Model, intruders: bool = True) -> list[int]:
    """Hide published rows until every target is protected; returns the rows hidden.
    Rows in ``model.group`` go together. Failures that no hide can mend are left to the
    caller (there is always a row to hide while any published row binds the target)."""
    auditor = Auditor(model)
    hidden: list[int] = []

    def set_rows(rows: list[int], published: bool) -> None:
        for r in rows:
            model.published[r] = published
            for b in auditor.blocks:
                if r in b.local_row:
                    (b.show if published else b.hide)(r)

    def on_failure(block: _Component, target, sense, duals, reached: float) -> bool:
        """Hide the cheapest binding row whose removal moves the failing bound. A row can
        bind at a degenerate optimum and still be implied by others (a ratio of two
        published sums over the same members): hiding it would cost and protect nothing,
        so it is shown again and the next one tried."""
        if duals is None:
            return False
        binding = sorted((int(block.rows[i]) for i in np.flatnonzero(np.abs(duals) > 1e-12)
                          if model.published[block.rows[i]]), key=lambda r: model.cost[r])
        if not binding:
            return False
        # cells the publication must keep (the cluster totals) only when nothing else binds
        binding = [r for r in binding if model.cost[r] < LAST_RESORT] or binding
        step = TOL * max(abs(target[3]), 1e-12)
        for row in binding[:TRIES]:
            rows = [r for r in model.group.get(row, [row]) if model.published[r]]
            set_rows(rows, False)
            point, _duals = block.solve(block.dense(target[2]), sense)
            moved = point is None or (_dot(target[2], point) - reached) * -sense > step
            if moved:
                hidden.extend(rows)
                return True
            set_rows(rows, True)
        rows = [r for r in model.group.get(binding[0], [binding[0]]) if model.published[r]]
        set_rows(rows, False)  # several rows pin it together: hide the cheapest and go on
        hidden.extend(rows)
        return True

    auditor.run(intruders, on_failure)
    return hidden


def audit(model: Model, intruders: bool = True) -> list[Failure]:
    """What an intruder can pin down within the protection interval (empty: released)."""
    return Auditor(model).run(intruders)
