# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    """Options shared by every Alibaba Cloud module (argspec: ``_module.ALIBABA_ARGUMENT_SPEC``)."""

    DOCUMENTATION = r"""
options:
  access_key:
    description:
      - AccessKey ID used to sign requests (V3 signature C(ACS3-HMAC-SHA256)).
      - If not set, the value of the E(ALICLOUD_ACCESS_KEY) or E(ALIBABA_CLOUD_ACCESS_KEY_ID) environment variable is used.
    type: str
  secret_key:
    description:
      - AccessKey secret.
      - If not set, the value of the E(ALICLOUD_SECRET_KEY) or E(ALIBABA_CLOUD_ACCESS_KEY_SECRET) environment variable is used.
    type: str
  security_token:
    description:
      - STS security token for temporary credentials.
      - If not set, the value of the E(ALICLOUD_SECURITY_TOKEN) or E(ALIBABA_CLOUD_SECURITY_TOKEN) environment variable is used.
    type: str
  region:
    description:
      - Region ID, for example V(cn-hangzhou). It selects the endpoint (C(dts.aliyuncs.com) for the regions the official
        SDK maps there, otherwise C(dts.{region}.aliyuncs.com)).
      - If not set, the value of the E(ALICLOUD_REGION) or E(ALIBABA_CLOUD_REGION_ID) environment variable is used.
    type: str
  endpoint_url:
    description:
      - Endpoint to use instead of the region table, for example V(https://dts.cn-hangzhou.aliyuncs.com) or a local
        emulator. A bare host name gets C(https://).
      - Must be C(https://host[:port]) or C(http://host[:port]), without user information, path, query or
        fragment. Plain C(http://) is accepted only to a loopback address unless O(allow_plain_http=true).
    type: str
  allow_plain_http:
    description:
      - Allow a plain C(http://) O(endpoint_url) to a host that is not a loopback address. Requests carry
        passwords and signed credentials; enable this only on a network path you trust (for example a TLS-terminating
        proxy on the same host or network namespace).
    type: bool
    default: false
  validate_certs:
    description:
      - Whether to verify the TLS certificate of the endpoint. Set to V(false) only for a test endpoint you control.
    type: bool
    default: true
  ca_path:
    description:
      - Path of a PEM bundle of CA certificates used to verify the endpoint, instead of the system trust store.
    type: path
  timeout:
    description:
      - Timeout in seconds of each HTTP request (connect and read), between 1 and 3600.
    type: int
    default: 30
  retries:
    description:
      - Number of attempts for a call that fails transiently (throttling, busy job, connection refused and,
        for reads only, server errors and timeouts). V(1) disables retries. At most V(20).
      - Waits between attempts use capped exponential backoff with full jitter and honour C(x-acs-retry-after).
      - A password change that may have reached the server is never repeated blindly.
    type: int
    default: 5
  retry_deadline:
    description:
      - Time in seconds after which no further attempt of a call is started, between 1 and 86400.
    type: int
    default: 120
notes:
  - Secrets such as passwords are sent in the signed request body, never in the URL.
  - Proxies are taken from the E(HTTPS_PROXY), E(HTTP_PROXY) and E(NO_PROXY) environment variables.
requirements:
  - requests
"""
