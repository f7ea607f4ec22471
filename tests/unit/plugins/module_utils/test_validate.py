# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""_validate: the structure pass masks what ansible-core would print, the value pass names the field and rule."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.credrotate.cloud.plugins.module_utils import _validate as v
from ansible_collections.credrotate.cloud.plugins.module_utils._errors import ConfigError
from ansible_collections.credrotate.cloud.plugins.module_utils._huawei import build_path, service_endpoint
from ansible_collections.credrotate.cloud.plugins.module_utils._alibaba import dts_endpoint
from ansible_collections.credrotate.cloud.plugins.modules.drs_job_password import ARGUMENT_SPEC as PASSWORD_ARGUMENT_SPEC
from ansible_collections.credrotate.cloud.plugins.modules.drs_job_password import RULES as PASSWORD_RULES

SECRET = "Canary-Unit-Secret-1!"
DRS = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8bjb01"


def paths(problems):
    return [path for _top, path, _message in problems]


@pytest.mark.parametrize("raw,top,path", [
    ({"jobs": SECRET}, "jobs", "jobs"),
    ({"jobs": {"id": DRS}}, "jobs", "jobs"),
    ({"jobs": [SECRET]}, "jobs", "jobs[0]"),
    ({"jobs": [{"id": DRS, "endpoint": "source", "kerberos": SECRET}]}, "jobs", "jobs[0].kerberos"),
    ({"jobs": [{"id": DRS, "endpoint": "source", "pasword": SECRET}]}, "jobs", "jobs[0].pasword"),
    ({"jobs": [{"id": DRS, "endpoint": "source", "password": [SECRET]}]}, "jobs", "jobs[0].password"),
    ({"pasword": SECRET}, "pasword", "pasword"),
])
def test_structure_problems_name_the_path_and_the_option_to_mask_never_the_value(raw, top, path):
    problems = v.structure_problems(PASSWORD_ARGUMENT_SPEC, raw)
    assert [(p[0], p[1]) for p in problems] == [(top, path)]
    assert SECRET not in problems[0][2]


def test_a_typo_suggests_the_intended_option():
    problems = v.structure_problems(PASSWORD_ARGUMENT_SPEC, {"jobs": [{"id": DRS, "endpont": "source"}]})
    assert "did you mean endpoint?" in problems[0][2]


def test_valid_structure_has_no_problem():
    raw = {"jobs": [{"id": DRS, "endpoint": "source", "password": SECRET, "kerberos": {"domain_name": "x"}}],
           "password": SECRET, "_ansible_check_mode": False}
    assert v.structure_problems(PASSWORD_ARGUMENT_SPEC, raw) == []


@pytest.mark.parametrize("url", ["https://me:%s@example.com" % SECRET, "me:%s@example.com:443" % SECRET])
def test_user_info_in_an_endpoint_url_is_a_structure_problem_so_it_is_masked(url):
    spec = {"endpoint_url": {"type": "str"}}
    problems = v.structure_problems(spec, {"endpoint_url": url})
    assert paths(problems) == ["endpoint_url"] and SECRET not in problems[0][2]


@pytest.mark.parametrize("kind,good,bad", [
    ("project_id", "0123456789abcdef0123456789abcdef", ["0123456789ABCDEF0123456789ABCDEF", "../x", "", "a" * 33]),
    ("gaussdb_instance_id", "6a1b2c3d4e5f40718293a4b5c6d7e8f9in07", ["6a1b2c3d4e5f40718293a4b5c6d7e8f9in01", "x"]),
    ("dcs_instance_id", "3f2e1d0c-9b8a-4776-8655-443322110099", ["../instances/3f2e1d0c-9b8a-4776-8655-443322110099"]),
    ("drs_job_id", DRS, [DRS + "\r\n", DRS.upper(), DRS + "/x"]),
    ("dts_job_id", "l3m1213ye7l1234", ["l3m1213ye7l1234/..", "a" * 65, "L3M"]),
    ("gaussdb_user", "crdemo_orders", ["crdemo-orders", "a" * 33, "root'--"]),
    ("db_host", "10.0.%", ["10.0.0.1/24", "a b"]),
    ("region", "cn-north-4", ["attacker.example#", "cn-north-4.evil.com", "CN-NORTH-4", "x1"]),
])
def test_formats_accept_the_provider_format_and_refuse_the_rest(kind, good, bad):
    assert v.format_problem("f", good, kind) is None
    for value in bad:
        message = v.format_problem("f", value, kind)
        assert message and message.startswith("f must be ") and (not value or value not in message), value


@pytest.mark.parametrize("kind,low,high", [("port", 1, 65535), ("timeout", 1, 3600), ("concurrency", 1, 64)])
def test_bounds_are_inclusive_and_named(kind, low, high):
    assert v.bounds_problem("x", low, kind) is None and v.bounds_problem("x", high, kind) is None
    assert v.bounds_problem("x", low - 1, kind) == "x must be between %d and %d (got %d)" % (low, high, low - 1)
    assert "between" in v.bounds_problem("x", high + 1, kind)


@pytest.mark.parametrize("url,allow,rule", [
    ("https://dts.cn-hangzhou.aliyuncs.com", False, None),
    ("dts.cn-hangzhou.aliyuncs.com", False, None),
    ("http://127.0.0.1:8787", False, None),
    ("http://[::1]:8787/", False, None),
    ("http://localhost:8787", False, None),
    ("http://192.0.2.1:8787", True, None),
    ("http://192.0.2.1:8787", False, "plain http"),
    ("https://u:p@example.com", False, "user information"),
    ("https://example.com/?a=1", False, "query"),
    ("https://example.com/#x", False, "query"),
    ("https://example.com/v3", False, "without a path"),
    ("ftp://example.com", False, "https://"),
    ("https://example.com:99999", False, "not a valid URL"),
    ("https://exa mple.com", False, "spaces"),
    ("https://", False, "name a host"),
])
def test_endpoint_url_rules(url, allow, rule):
    message = v.url_problem("endpoint_url", url, allow_plain_http=allow)
    if rule is None:
        assert message is None
    else:
        assert message and message.startswith("endpoint_url ") and rule in message


def test_value_problems_follow_list_rules_and_name_each_element():
    params = {"jobs": [{"id": DRS}, {"id": "../" + DRS}, None], "timeout": 0}
    rules = dict(PASSWORD_RULES, timeout="timeout")
    assert paths(v.value_problems(params, rules)) == ["jobs[1].id", "timeout"]


def test_a_missing_ca_bundle_is_named(tmp_path):
    assert "ca_path must name an existing" in v.value_problems({"ca_path": str(tmp_path / "no.pem")},
                                                               {"ca_path": "existing_file"})[0][2]


def test_summary_spells_out_five_problems_and_counts_the_rest():
    problems = [("jobs", "jobs[%d].id" % i, "jobs[%d].id must be x" % i) for i in range(8)]
    text = v.summary(problems, "credrotate.cloud.drs_job_password")
    assert text.startswith("Invalid input for credrotate.cloud.drs_job_password: jobs[0].id must be x;")
    assert "jobs[4].id" in text and "jobs[5].id" not in text
    assert text.endswith("and 3 more (see invalid). Nothing was changed.")


@pytest.mark.parametrize("value", ["../instances/x", "a/b", "..", ".", "", "x\r\ny", "%2e%2e"])
def test_build_path_keeps_each_value_inside_its_own_segment(value):
    template = "/v2/{project_id}/instances/{instance_id}/password"
    try:
        path = build_path(template, {"project_id": "p", "instance_id": value})
    except ConfigError as err:
        assert err.code == "InvalidParameter" and "instance_id" in err.message
        return
    segments = path.split("/")
    assert len(segments) == len(template.split("/")) and segments[-1] == "password"
    assert segments[4] not in (".", "..") and "/" not in segments[4]


def test_build_path_encodes_slash_and_percent():
    assert build_path("/v3/{id}/x", {"id": "a/b%c"}) == "/v3/a%2Fb%25c/x"


@pytest.mark.parametrize("region", ["evil.com#", "cn-north-4.attacker", "a/b", "cn-north-4\r\n"])
def test_endpoint_tables_refuse_a_region_that_would_change_the_host(region):
    for build in (lambda: service_endpoint("huaweicloud", "drs", region), lambda: dts_endpoint(region)):
        with pytest.raises(ConfigError) as info:
            build()
        assert info.value.code == "InvalidParameter" and "region" in info.value.message
