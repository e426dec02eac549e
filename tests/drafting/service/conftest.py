"""Fixtures of the service tests: a service without a knowledge base, one with, and the sample facts."""

from __future__ import annotations

import pytest
from service_fixtures import FACTS, make_service, service_kb

from drafting.facts.files import parse_facts_file
from drafting.service.facade import DraftingService


@pytest.fixture
def service(settings, tmp_path) -> DraftingService:
    return make_service(settings, tmp_path, kb=lambda: None)


@pytest.fixture
def sheet():
    return parse_facts_file(FACTS)


@pytest.fixture
def kb_service(settings, tmp_path) -> DraftingService:
    kb = service_kb(settings)
    return make_service(settings, tmp_path, kb=kb)
