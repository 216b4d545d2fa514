"""The person snapshot in the JSON API: one schema for every app's answers,
the API's face of ``accounts.records.person``."""

from ninja import Schema


class PersonOut(Schema):
    id: int
    name: str
