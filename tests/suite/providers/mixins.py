"""Providers of the suite's ``feature.mixins`` group (sync and async)."""

from __future__ import annotations

from rhosocial.activerecord.testsuite.feature.mixins.fixtures import models as M
from rhosocial.activerecord.testsuite.feature.mixins.interfaces import IMixinsAsyncProvider, IMixinsSyncProvider

from .base import AsyncProviderBase, SyncProviderBase


class MixinsProvider(SyncProviderBase, IMixinsSyncProvider):
    def setup_timestamped_post_model(self, scenario_name):
        return self._setup(scenario_name, "mixins", [(M.TimestampedPost, "timestamped_posts")])

    def setup_versioned_product_model(self, scenario_name):
        return self._setup(scenario_name, "mixins", [(M.VersionedProduct, "versioned_products")])

    def setup_task_model(self, scenario_name):
        return self._setup(scenario_name, "mixins", [(M.Task, "tasks")])

    def setup_combined_article_model(self, scenario_name):
        return self._setup(scenario_name, "mixins", [(M.CombinedArticle, "combined_articles")])


class AsyncMixinsProvider(AsyncProviderBase, IMixinsAsyncProvider):
    async def setup_timestamped_post_model(self, scenario_name):
        return await self._setup(scenario_name, "mixins", [(M.AsyncTimestampedPost, "timestamped_posts")])

    async def setup_versioned_product_model(self, scenario_name):
        return await self._setup(scenario_name, "mixins", [(M.AsyncVersionedProduct, "versioned_products")])

    async def setup_task_model(self, scenario_name):
        return await self._setup(scenario_name, "mixins", [(M.AsyncTask, "tasks")])

    async def setup_combined_article_model(self, scenario_name):
        return await self._setup(scenario_name, "mixins", [(M.AsyncCombinedArticle, "combined_articles")])
