"""Providers of the suite's ``feature.events`` group (sync and async)."""

from __future__ import annotations

from datetime import datetime
from typing import Optional

from rhosocial.activerecord.field import IntegerPKMixin
from rhosocial.activerecord.model import AsyncActiveRecord
from rhosocial.activerecord.testsuite.feature.events.fixtures import models as M
from rhosocial.activerecord.testsuite.feature.events.interfaces import IEventsAsyncProvider, IEventsSyncProvider

from .base import AsyncProviderBase, SyncProviderBase


class AsyncEventTrackingModel(IntegerPKMixin, AsyncActiveRecord):
    """Async twin of the suite's EventTrackingModel (the suite ships only the sync one)."""

    __table_name__ = "event_tracking_models"

    title: str
    content: str
    view_count: int = 0
    last_viewed_at: Optional[datetime] = None


class EventsProvider(SyncProviderBase, IEventsSyncProvider):
    def setup_event_model(self, scenario_name):
        return self._setup(scenario_name, "events", [(M.EventTestModel, "event_tests")])

    def setup_event_tracking_model(self, scenario_name):
        return self._setup(scenario_name, "events", [(M.EventTrackingModel, "event_tracking_models")])


class AsyncEventsProvider(AsyncProviderBase, IEventsAsyncProvider):
    async def setup_event_model(self, scenario_name):
        return await self._setup(scenario_name, "events", [(M.AsyncEventTestModel, "event_tests")])

    async def setup_event_tracking_model(self, scenario_name):
        return await self._setup(scenario_name, "events", [(AsyncEventTrackingModel, "event_tracking_models")])
