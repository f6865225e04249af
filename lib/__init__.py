"""What the addon's models share and is no model itself (nothing here imports a model).

- ``rules``: the seven ranks, decided from a customer's facts (pure Python);
- ``facts``: the set-based facts gatherer, the only place that knows where a
  customer's facts live in the database;
- ``outreach`` and ``aftercare``: when and how to approach a customer (pure Python);
- ``replay``: a customer's past rank changes, replayed from their deals (pure Python);
- ``orm``, ``tracking``, ``period_labels``, ``phone_search``: small helpers of the
  models (selection checks, tracking language, period labels, phone search).

The engine that decides and writes ranks is the ``crm.rank.engine`` model
(``models/crm_rank_engine.py``).
"""
