# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    """Options shared by every Huawei Cloud / Open Telekom Cloud module (argspec: ``_module.HUAWEI_ARGUMENT_SPEC``)."""

    DOCUMENTATION = r"""
options:
  cloud:
    description:
      - Which cloud of the Huawei API family to talk to. It picks the service and IAM host patterns.
      - V(huaweicloud) uses C(*.{region}.myhuaweicloud.com); V(otc) (Open Telekom Cloud) uses C(*.{region}.otc.t-systems.com).
    type: str
    choices: [huaweicloud, otc]
    default: huaweicloud
  region:
    description:
      - Region name, for example V(cn-north-4) or V(eu-de). It selects the endpoints and, when O(project_id) is not
        given, the IAM project of the same name.
      - If not set, the value of the E(HW_REGION_NAME) or E(OS_REGION_NAME) environment variable is used.
    type: str
  project_id:
    description:
      - ID of the IAM project the resources belong to.
      - When not set, it is taken from the IAM token or looked up once by region name with C(GET /v3/projects).
      - If not set, the value of the E(HW_PROJECT_ID) or E(OS_PROJECT_ID) environment variable is used.
    type: str
  access_key:
    description:
      - Access key ID (AK) for AK/SK request signing (C(SDK-HMAC-SHA256)). Used together with O(secret_key).
      - If not set, the value of the E(HW_ACCESS_KEY) or E(OS_ACCESS_KEY) environment variable is used.
      - When several kinds of credentials are given, AK/SK wins, then O(auth_token), then O(iam_user_name) and O(iam_password).
    type: str
  secret_key:
    description:
      - Secret access key (SK) for AK/SK request signing.
      - If not set, the value of the E(HW_SECRET_KEY) or E(OS_SECRET_KEY) environment variable is used.
    type: str
  security_token:
    description:
      - Security token of temporary AK/SK credentials. It is sent (and signed) as C(X-Security-Token).
      - If not set, the value of the E(HW_SECURITY_TOKEN) environment variable is used.
    type: str
  auth_token:
    description:
      - An IAM token obtained by the caller, sent as C(X-Auth-Token). It is not refreshed when it expires.
      - If not set, the value of the E(HW_AUTH_TOKEN) or E(OS_AUTH_TOKEN) environment variable is used.
    type: str
  iam_user_name:
    description:
      - IAM user name for password authentication. The module obtains a project-scoped IAM token
        (C(POST /v3/auth/tokens)), keeps it for the run and renews it once if the gateway rejects it as expired.
      - Requires O(iam_password) and O(iam_domain_name).
      - If not set, the value of the E(HW_USER_NAME) environment variable is used.
    type: str
  iam_password:
    description:
      - Password of O(iam_user_name).
      - If not set, the value of the E(HW_PASSWORD) environment variable is used.
    type: str
  iam_domain_name:
    description:
      - Account (domain) name that O(iam_user_name) belongs to.
      - If not set, the value of the E(HW_DOMAIN_NAME) environment variable is used.
    type: str
  endpoint_url:
    description:
      - Base URL used for every service (DRS, DCS, GaussDB and, unless O(iam_endpoint_url) is set, IAM) instead of
        the host tables, for example V(https://127.0.0.1:8443) for a local emulator or a private endpoint.
      - Must be C(https://host[:port]) or C(http://host[:port]), without user information, path, query or
        fragment. Plain C(http://) is accepted only to a loopback address unless O(allow_plain_http=true).
    type: str
  iam_endpoint_url:
    description:
      - Base URL of IAM, instead of the host table or O(endpoint_url). The rules of O(endpoint_url) apply.
    type: str
  allow_plain_http:
    description:
      - Allow a plain C(http://) O(endpoint_url) or O(iam_endpoint_url) to a host that is not a loopback address. Requests carry
        passwords and signed credentials; enable this only on a network path you trust (for example a TLS-terminating
        proxy on the same host or network namespace).
    type: bool
    default: false
  validate_certs:
    description:
      - Whether to verify the TLS certificates of the endpoints. Set to V(false) only for a test endpoint you control.
    type: bool
    default: true
  ca_path:
    description:
      - Path of a PEM bundle of CA certificates used to verify the endpoints, instead of the system trust store.
    type: path
  timeout:
    description:
      - Timeout in seconds of each HTTP request (connect and read), between 1 and 3600.
    type: int
    default: 30
  retries:
    description:
      - Number of attempts for a call that fails transiently (throttling, busy resource, connection refused and,
        for reads only, server errors and timeouts). V(1) disables retries. At most V(20).
      - Waits between attempts use capped exponential backoff with full jitter and honour C(Retry-After).
      - A password change that may have reached the server is never repeated blindly.
    type: int
    default: 5
  retry_deadline:
    description:
      - Time in seconds after which no further attempt of a call is started, between 1 and 86400.
    type: int
    default: 120
notes:
  - Proxies are taken from the E(HTTPS_PROXY), E(HTTP_PROXY) and E(NO_PROXY) environment variables.
  - Every request carries the user agent C(credrotate.cloud/<version>).
requirements:
  - requests
"""
