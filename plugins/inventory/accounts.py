# -*- coding: utf-8 -*-
# Copyright: hardening.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: accounts
short_description: The accounts of an AWS Organization, one inventory host per account
version_added: 0.2.0
description:
  - Reads the accounts of an AWS Organization, with each account's organizational unit (OU) path and tags,
    and makes one host per account in group C(aws_accounts), with the host variables the playbooks of
    this collection expect (C(aws_account_id), C(aws_assume_role_name), C(aws_region), C(aws_endpoint_url),
    C(aws_external_id)) and C(ansible_connection=local).
  - Run it with credentials of the management account or of a delegated administrator for Organizations,
    directly or through O(assume_role_arn).
  - The OU tree is walked parent by parent (C(organizations:ListOrganizationalUnitsForParent),
    C(organizations:ListAccountsForParent)), so the cost grows with the number of OUs, not of accounts;
    tags cost one C(organizations:ListTagsForResource) per account kept by the other filters (O(fetch_tags)).
  - Only C(ACTIVE) accounts are kept by default; filters by OU, account id and tag narrow the list further.
  - Every account is also put in a group per OU, nested like the OUs (O(ou_groups)), and C(keyed_groups),
    C(groups) and C(compose) work as in other inventory plugins.
  - The file name must end with C(accounts.yml) or C(accounts.yaml).
  - "Required IAM actions: C(organizations:DescribeOrganization), C(organizations:ListRoots),
    C(organizations:ListOrganizationalUnitsForParent), C(organizations:ListAccountsForParent),
    C(organizations:ListTagsForResource); C(sts:AssumeRole) with O(assume_role_arn)."
author:
  - Hardening AWS Maintainers (@hardening-aws)
extends_documentation_fragment:
  - constructed
  - inventory_cache
options:
  plugin:
    description: The name of this plugin; it must always be set to V(hardening.aws.accounts).
    required: true
    type: str
    choices: [hardening.aws.accounts]
  access_key:
    description:
      - AWS access key id of the identity that reads the Organization. When not set, boto3's usual sources apply.
    type: str
    env:
      - name: AWS_ACCESS_KEY_ID
  secret_key:
    description:
      - AWS secret access key that goes with O(access_key).
    type: str
    env:
      - name: AWS_SECRET_ACCESS_KEY
  session_token:
    description:
      - Session token for temporary credentials.
    type: str
    env:
      - name: AWS_SESSION_TOKEN
  profile:
    description:
      - Named profile from the shared AWS configuration files.
    type: str
    env:
      - name: AWS_PROFILE
  region:
    description:
      - Region of the Organizations and STS clients. Organizations answers in V(us-east-1) in the commercial partition.
    type: str
    default: us-east-1
  endpoint_url:
    description:
      - URL to send the requests to instead of AWS's endpoints (a local simulator).
    type: str
    env:
      - name: AWS_ENDPOINT_URL
  assume_role_arn:
    description:
      - Role to assume before reading the Organization, for example a read-only role in the management account
        or in the delegated administrator account.
    type: str
  external_id:
    description:
      - External id for O(assume_role_arn).
    type: str
  role_session_name:
    description:
      - Session name for O(assume_role_arn).
    type: str
    default: hardening-aws-inventory
  account_states:
    description:
      - Keep accounts in these states (the account's C(State), or C(Status) where AWS gives no C(State)).
    type: list
    elements: str
    default: [ACTIVE]
  include_management_account:
    description:
      - Whether the management account itself becomes a host. It has no C(OrganizationAccountAccessRole),
        so it usually needs its own role (O(compose) C(aws_assume_role_arn), or a host variable).
    type: bool
    default: false
  include_ous:
    description:
      - Keep only accounts in these OUs or below them. An OU is named by its path from the root
        (V(Workloads/Prod), with or without a leading V(Root/)) or by its id (V(ou-...)).
    type: list
    elements: str
    default: []
  exclude_ous:
    description:
      - Leave out accounts in these OUs or below them (same forms as O(include_ous)).
    type: list
    elements: str
    default: []
  include_account_ids:
    description:
      - Keep only these account ids.
    type: list
    elements: str
    default: []
  exclude_account_ids:
    description:
      - Leave out these account ids.
    type: list
    elements: str
    default: []
  include_tags:
    description:
      - Keep only accounts carrying every one of these tags. A value is a string or a list of accepted strings;
        V(*) accepts any value of the key. Needs O(fetch_tags).
    type: dict
    default: {}
  exclude_tags:
    description:
      - Leave out accounts carrying any one of these tags (same forms as O(include_tags)).
    type: dict
    default: {}
  fetch_tags:
    description:
      - Read each kept account's tags (one call per account) into C(aws_account_tags).
    type: bool
    default: true
  hostname:
    description:
      - What names the host. V(name) is the account name made safe (lower case; characters other than letters,
        digits, C(-) and C(_) become C(-)); when two accounts would get the same name, the account id is appended.
        V(id) is the account id.
    type: str
    choices: [name, id]
    default: name
  ou_groups:
    description:
      - Put each account in a group per OU on its path, nested like the OUs (V(ou_workloads) holds
        V(ou_workloads_prod)), so C(--limit ou_workloads) selects everything below Workloads.
    type: bool
    default: true
  member_role_name:
    description:
      - The role the playbooks assume in every account, set as C(aws_assume_role_name). To use a full ARN instead,
        set C(aws_assume_role_arn) with O(compose).
    type: str
    default: OrganizationAccountAccessRole
  member_external_id:
    description:
      - External id the member role requires, set as C(aws_external_id).
    type: str
  account_region:
    description:
      - Region set as C(aws_region) on every host.
    type: str
    default: us-east-1
  account_endpoint_url:
    description:
      - Endpoint set as C(aws_endpoint_url) on every host. Defaults to O(endpoint_url) when that is set.
    type: str
  controller_python:
    description:
      - Set C(ansible_python_interpreter) to the Python running C(ansible-playbook), as Ansible does for the
        implicit localhost, since every account host runs on the controller.
    type: bool
    default: true
notes:
  - When the plugin cannot read the Organization, Ansible by default only warns and goes on with no hosts, so a
    scheduled run would quietly do nothing. Set C(unparsed_is_failed = true) in the C([inventory]) section of
    C(ansible.cfg) (or E(ANSIBLE_INVENTORY_UNPARSED_FAILED=true)) to make it fail instead.
  - Results are cached with Ansible's inventory cache when O(cache) is on. The cache holds the accounts read,
    their OU paths and tags; the filters apply after it, except that tags are only read for accounts that pass
    the other filters. Use C(--flush-cache) after widening O(include_ous) or the account id lists.
requirements:
  - boto3 >= 1.34.0
"""

EXAMPLES = r"""
# aws_org.accounts.yml: every active account, read from the management account
plugin: hardening.aws.accounts

# prod.accounts.yml: production accounts only, through a read-only role, grouped by owner tag
plugin: hardening.aws.accounts
assume_role_arn: arn:aws:iam::123456789012:role/OrgInventoryReader
include_ous: [Workloads/Prod]
exclude_tags:
  hardening: skip
member_role_name: HardeningAutomation
member_external_id: fleet-2026
keyed_groups:
  - key: aws_account_tags.owner | default('none')
    prefix: owner
cache: true
cache_plugin: ansible.builtin.jsonfile
cache_connection: ~/.cache/hardening-aws-inventory
cache_timeout: 3600

# The management account too, with its own role
plugin: hardening.aws.accounts
include_management_account: true
compose:
  aws_assume_role_arn: >-
    'arn:aws:iam::' ~ aws_account_id ~ ':role/HardeningAutomation'
"""

import re

from ansible.errors import AnsibleParserError
from ansible.plugins.inventory import BaseInventoryPlugin, Cacheable, Constructable

from ansible_collections.hardening.aws.plugins.module_utils._aws import AwsContext, HardeningError

try:  # ansible-core 2.19 and later template only what is trusted
    from ansible.template import trust_as_template
except ImportError:  # pragma: no cover - ansible-core 2.17 and 2.18 template every string

    def trust_as_template(value):
        """Before 2.19 every string is a template already."""
        return value


GROUP = "aws_accounts"
ROOT = "Root"
ACCOUNT_ID = re.compile(r"^[0-9]{12}$")
OU_ID = re.compile(r"^ou-[0-9a-z]{4,32}-[0-9a-z]{8,32}$")


class OrganizationReader:
    """Reads an Organization's OU tree and accounts through a retrying AwsClient."""

    def __init__(self, client):
        self.client = client

    def _list(self, method, key, **kwargs):
        return self.client.paginate(method, **kwargs).get(key, [])

    def read(self, keep_for=None, fetch_tags=True):
        """The organisation as a JSON-safe dict: management account id and the accounts, each
        with its OU path. ``keep_for(management account id)`` returns the predicate picking the
        accounts whose tags are read (all when None)."""
        organization = self.client.call("describe_organization")["Organization"]
        keep = keep_for(organization.get("MasterAccountId")) if keep_for else None
        roots = self._list("list_roots", "Roots")
        if not roots:
            raise HardeningError("the organization has no root")
        accounts = []
        queue = [(roots[0]["Id"], [ROOT], [roots[0]["Id"]])]
        while queue:
            parent_id, names, ids = queue.pop(0)
            for unit in self._list("list_organizational_units_for_parent", "OrganizationalUnits", ParentId=parent_id):
                queue.append((unit["Id"], names + [unit["Name"]], ids + [unit["Id"]]))
            for account in self._list("list_accounts_for_parent", "Accounts", ParentId=parent_id):
                accounts.append(account_record(account, names, ids))
        accounts.sort(key=lambda record: record["id"])
        for record in accounts:
            if fetch_tags and (keep is None or keep(record)):
                tags = self._list("list_tags_for_resource", "Tags", ResourceId=record["id"])
                record["tags"] = dict((tag["Key"], tag["Value"]) for tag in tags)
        return {"management_account_id": organization.get("MasterAccountId"), "accounts": accounts}


def account_record(account, ou_names, ou_ids):
    """One account of ListAccountsForParent with its place in the tree."""
    joined = account.get("JoinedTimestamp")
    return {
        "id": account["Id"],
        "name": account.get("Name") or account["Id"],
        "email": account.get("Email"),
        "state": account.get("State") or account.get("Status"),
        "joined": joined.isoformat() if hasattr(joined, "isoformat") else joined,
        "ou_path": "/".join(ou_names),
        "ou_ids": list(ou_ids),
        "tags": None,
    }


def normalise_ou(ou):
    """An OU filter entry as an id or as a path starting with Root."""
    ou = ou.strip().strip("/")
    if OU_ID.match(ou) or ou.startswith("r-"):
        return ou
    if ou == ROOT or ou.startswith(ROOT + "/"):
        return ou
    return ROOT + "/" + ou if ou else ROOT


def in_ous(record, ous):
    """Whether the account sits in (or below) one of the normalised OUs."""
    for ou in ous:
        if ou in record["ou_ids"]:
            return True
        if record["ou_path"] == ou or record["ou_path"].startswith(ou + "/"):
            return True
    return False


def tag_matches(tags, key, wanted):
    """Whether ``tags`` carry ``key`` with one of the ``wanted`` values (``*`` = any)."""
    if key not in tags:
        return False
    values = wanted if isinstance(wanted, list) else [wanted]
    return any(value == "*" or str(value) == tags[key] for value in values)


def check_filters(options):
    """Malformed filter values fail before any call, naming the option and the value."""
    for option in ("include_account_ids", "exclude_account_ids"):
        for value in options[option]:
            if not ACCOUNT_ID.match(str(value)):
                raise HardeningError("%s: %r is not a 12-digit AWS account id (quote it in YAML)" % (option, value))
    for option in ("include_tags", "exclude_tags"):
        for key, wanted in options[option].items():
            values = wanted if isinstance(wanted, list) else [wanted]
            if not all(isinstance(value, (str, int, float, bool)) for value in values):
                raise HardeningError("%s: the value of tag %r must be a string or a list of strings" % (option, key))
    if options["include_tags"] and not options["fetch_tags"]:
        raise HardeningError("include_tags needs fetch_tags: true (tags are read from Organizations)")
    for option in ("include_ous", "exclude_ous"):
        for value in options[option]:
            if not isinstance(value, str) or not value.strip():
                raise HardeningError("%s: %r is not an OU path or id" % (option, value))


def prefilter(options, management_account_id=None):
    """The filters that need no tags, as a predicate over account records."""
    states = set(options["account_states"])
    include_ous = [normalise_ou(ou) for ou in options["include_ous"]]
    exclude_ous = [normalise_ou(ou) for ou in options["exclude_ous"]]
    include_ids = set(str(value) for value in options["include_account_ids"])
    exclude_ids = set(str(value) for value in options["exclude_account_ids"])

    def keep(record):
        if record["state"] not in states:
            return False
        if record["id"] == management_account_id and not options["include_management_account"]:
            return False
        if include_ids and record["id"] not in include_ids:
            return False
        if record["id"] in exclude_ids:
            return False
        if include_ous and not in_ous(record, include_ous):
            return False
        return not in_ous(record, exclude_ous)

    return keep


def select(organization, options):
    """The accounts of ``organization`` (a :meth:`OrganizationReader.read` result) that pass
    every filter, in account id order."""
    keep = prefilter(options, organization.get("management_account_id"))
    selected = []
    for record in organization["accounts"]:
        if not keep(record):
            continue
        tags = record.get("tags") or {}
        if options["include_tags"] and not all(tag_matches(tags, k, v) for k, v in options["include_tags"].items()):
            continue
        if any(tag_matches(tags, k, v) for k, v in options["exclude_tags"].items()):
            continue
        selected.append(record)
    return selected


def safe_name(name):
    """An account name as a host name: lower case, letters, digits, - and _."""
    return re.sub(r"[^a-z0-9_-]+", "-", name.lower()).strip("-") or "account"


def host_names(records, mode):
    """Host name per account id; duplicate names get the account id appended."""
    if mode == "id":
        return dict((record["id"], record["id"]) for record in records)
    counts = {}
    for record in records:
        name = safe_name(record["name"])
        counts[name] = counts.get(name, 0) + 1
    names = {}
    for record in records:
        name = safe_name(record["name"])
        names[record["id"]] = name if counts[name] == 1 else "%s-%s" % (name, record["id"])
    return names


def host_vars(record, options):
    """The inventory contract's variables for one account, plus what Organizations tells."""
    variables = {
        "ansible_connection": "local",
        "aws_account_id": record["id"],
        "aws_account_name": record["name"],
        "aws_account_email": record["email"],
        "aws_account_state": record["state"],
        "aws_account_joined": record["joined"],
        "aws_account_tags": record.get("tags") or {},
        "aws_ou_path": record["ou_path"],
        "aws_ou_ids": record["ou_ids"],
        "aws_ou_id": record["ou_ids"][-1],
        "aws_region": options["account_region"],
        "aws_assume_role_name": options["member_role_name"],
    }
    endpoint = options.get("account_endpoint_url") or options.get("endpoint_url")
    if endpoint:
        variables["aws_endpoint_url"] = endpoint
    if options.get("member_external_id"):
        variables["aws_external_id"] = options["member_external_id"]
    if options["controller_python"]:
        variables["ansible_python_interpreter"] = trust_as_template("{{ ansible_playbook_python }}")
    return variables


def ou_group_chain(ou_path):
    """Group names for the OUs on a path below the root: Root/Workloads/Prod gives
    [ou_workloads, ou_workloads_prod]."""
    parts = ou_path.split("/")[1:]
    return [
        "ou_" + "_".join(safe_name(part).replace("-", "_") for part in parts[:depth])
        for depth in range(1, len(parts) + 1)
    ]


OPTION_NAMES = (
    "account_states",
    "include_management_account",
    "include_ous",
    "exclude_ous",
    "include_account_ids",
    "exclude_account_ids",
    "include_tags",
    "exclude_tags",
    "fetch_tags",
    "hostname",
    "ou_groups",
    "member_role_name",
    "member_external_id",
    "account_region",
    "account_endpoint_url",
    "endpoint_url",
    "controller_python",
)
CONNECTION_OPTIONS = (
    "access_key",
    "secret_key",
    "session_token",
    "profile",
    "region",
    "endpoint_url",
    "assume_role_arn",
    "external_id",
    "role_session_name",
)


class InventoryModule(BaseInventoryPlugin, Constructable, Cacheable):
    """hardening.aws.accounts: one host per account of an AWS Organization."""

    NAME = "hardening.aws.accounts"

    def verify_file(self, path):
        return super().verify_file(path) and path.endswith(("accounts.yml", "accounts.yaml"))

    def _option_values(self, names):
        return dict((name, self.get_option(name)) for name in names)

    def _read(self, options):
        context = AwsContext(self._option_values(CONNECTION_OPTIONS))
        reader = OrganizationReader(context.client("organizations"))
        return reader.read(keep_for=lambda management: prefilter(options, management), fetch_tags=options["fetch_tags"])

    def parse(self, inventory, loader, path, cache=True):
        super().parse(inventory, loader, path, cache=cache)
        self._read_config_data(path)
        options = self._option_values(OPTION_NAMES)
        cache_key = self.get_cache_key(path)
        use_cache = self.get_option("cache") and cache
        update_cache = self.get_option("cache") and not cache
        organization = None
        try:
            check_filters(options)
            if use_cache:
                try:
                    organization = self._cache[cache_key]
                except KeyError:
                    update_cache = True
        except HardeningError as exc:
            raise AnsibleParserError("%s (%s): %s" % (self.NAME, path, exc)) from None
        if organization is None:
            try:
                organization = self._read(options)
            except HardeningError as exc:
                raise AnsibleParserError(
                    "%s (%s): cannot read the accounts of the Organization. Only the management account or a "
                    "delegated administrator for AWS Organizations can list them: run with such credentials or "
                    "set assume_role_arn. %s" % (self.NAME, path, exc)
                ) from None
        if update_cache:
            self._cache[cache_key] = organization
        self._populate(select(organization, options), options)

    def _populate(self, records, options):
        strict = self.get_option("strict")
        self.inventory.add_group(GROUP)
        names = host_names(records, options["hostname"])
        for record in records:
            host = names[record["id"]]
            self.inventory.add_host(host, group=GROUP)
            variables = host_vars(record, options)
            for key, value in variables.items():
                self.inventory.set_variable(host, key, value)
            if options["ou_groups"]:
                parent = None
                for group in ou_group_chain(record["ou_path"]):
                    self.inventory.add_group(group)
                    if parent:
                        self.inventory.add_child(parent, group)
                    parent = group
                if parent:
                    self.inventory.add_child(parent, host)
            self._set_composite_vars(self.get_option("compose"), variables, host, strict=strict)
            self._add_host_to_composed_groups(self.get_option("groups"), variables, host, strict=strict)
            self._add_host_to_keyed_groups(self.get_option("keyed_groups"), variables, host, strict=strict)
