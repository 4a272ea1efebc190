"""What the SCIM server publishes: the attributes Continuum keeps, on scim2-models' standard schemas.

Only these attributes appear in ``/Schemas``; anything else an identity provider sends (phone
numbers, addresses, …) is dropped on arrival (``ScimPolicy(unknown=ignore)``), never stored.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

from scim2_models import ResourceType, Schema, ScimPolicy, ScimProvider, ServiceProviderConfig
from scim2_server.service import ScimService

USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
ENTERPRISE_SCHEMA = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
PUBLISHED = {
    USER_SCHEMA: {"userName", "name", "displayName", "title", "active", "emails", "groups"},
    ENTERPRISE_SCHEMA: {"department"},
    GROUP_SCHEMA: {"displayName", "members"},
}
# The attributes a filter may name (lower case), per resource type: anything else is invalidFilter.
FILTERABLE = {
    "User": {"id", "externalid", "username", "name", "displayname", "title", "active", "emails", "groups", "meta",
             "department"},
    "Group": {"id", "externalid", "displayname", "members", "meta"},
}
MAX_RESULTS = 200

CONFIG = {
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
    "documentationUri": "https://continuum.example.org/README#scim",
    "patch": {"supported": True},
    "bulk": {"supported": False, "maxOperations": 0, "maxPayloadSize": 0},
    "filter": {"supported": True, "maxResults": MAX_RESULTS},
    "changePassword": {"supported": False},
    "sort": {"supported": True},
    "etag": {"supported": True},
    "authenticationSchemes": [{
        "type": "oauthbearertoken", "name": "Bearer token",
        "description": "A token an organisation's manager issues under Organisation > SCIM provisioning.",
        "primary": True,
    }],
}


def _load(name: str):
    return json.loads((resources.files("scim2_server") / "resources" / name).read_text())


@cache
def provider() -> ScimProvider:
    schemas = []
    for schema in _load("default-schemas.json"):
        schema["attributes"] = [a for a in schema["attributes"] if a["name"] in PUBLISHED[schema["id"]]]
        schemas.append(Schema.model_validate(schema))
    resource_types = [ResourceType.model_validate(rt) for rt in _load("default-resource-types.json")]
    return ScimProvider.from_discovery(schemas, resource_types, config=ServiceProviderConfig.model_validate(CONFIG),
                                       policy=ScimPolicy(unknown=ScimPolicy.Unknown.ignore))


@cache
def service() -> ScimService:
    return ScimService(provider())
