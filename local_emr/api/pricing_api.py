"""The AWS Price List Query API (GetProducts, DescribeServices, GetAttributeValues) and EC2
DescribeSpotPriceHistory, answered from emr_cost's bundled price snapshot.

moto 5.2.5 has no pricing service, and its DescribeSpotPriceHistory answers every type with a fixed
$0.00001 dated 2006: so `emr-cost --prices live` against the emulator exercises the live code path
with the snapshot's figures. Answers have AWS's shapes: PriceList is a list of JSON strings
(https://docs.aws.amazon.com/aws-cost-management/latest/APIReference/API_pricing_GetProducts.html),
spot history is EC2 query-protocol XML
(https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeSpotPriceHistory.html).
"""
from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs
from xml.sax.saxutils import escape

from emr_cost.snapshot import SnapshotPriceBook

from .wsgi import JSON_CONTENT_TYPE, credential_scope, read_body

PRICING_TARGET_PREFIX = "AWSPriceListService."
SERVICES = ("AmazonEC2", "ElasticMapReduce")
_EBS_FAMILY = {"storage": ("Storage", "GB-Mo"), "iops": ("System Operation", "IOPS-Mo"),
               "throughput": ("Provisioned Throughput", "GiBps-mo")}
WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def _product(service: str, family: str, attrs: dict[str, str], usd: str, unit: str, sku: str) -> dict[str, Any]:
    term = f"{sku}.JRTCKXETXF"
    return {
        "product": {"productFamily": family, "sku": sku,
                    "attributes": {**attrs, "servicecode": service, "productFamily": family}},
        "serviceCode": service,
        "terms": {"OnDemand": {term: {"sku": sku, "offerTermCode": "JRTCKXETXF", "termAttributes": {},
                                      "priceDimensions": {f"{term}.6YS6EN2CT7": {
                                          "unit": unit, "pricePerUnit": {"USD": usd}, "description": "from the snapshot"}}}}},
        "version": "snapshot", "publicationDate": "snapshot",
    }


def snapshot_products(book: SnapshotPriceBook) -> dict[str, list[dict[str, Any]]]:
    """Every figure of the snapshot as a Price List product, by service code."""
    out: dict[str, list[dict[str, Any]]] = {s: [] for s in SERVICES}
    n = 0
    for region, r in book.data["regions"].items():
        for itype, (usd, _) in sorted(r.get("ec2", {}).items()):
            n += 1
            out["AmazonEC2"].append(_product("AmazonEC2", "Compute Instance", {
                "instanceType": itype, "regionCode": region, "operatingSystem": "Linux", "tenancy": "Shared",
                "preInstalledSw": "NA", "capacitystatus": "Used", "licenseModel": "No License required"},
                usd, "Hrs", f"SNAP{n:08d}"))
        for itype, (usd, _) in sorted(r.get("emr", {}).items()):
            n += 1
            out["ElasticMapReduce"].append(_product("ElasticMapReduce", "Elastic Map Reduce Instance", {
                "instanceType": itype, "regionCode": region, "softwareType": "EMR"}, usd, "Hrs", f"SNAP{n:08d}"))
        for vtype, figures in sorted(r.get("ebs", {}).items()):
            for what, (usd, _) in sorted(figures.items()):
                n += 1
                family, unit = _EBS_FAMILY[what]
                out["AmazonEC2"].append(_product("AmazonEC2", family, {"volumeApiName": vtype, "regionCode": region},
                                                 usd, unit, f"SNAP{n:08d}"))
    return out


def get_products(products: dict[str, list[dict[str, Any]]], params: dict[str, Any]) -> dict[str, Any]:
    code = params.get("ServiceCode")
    if code not in products:
        return {"FormatVersion": "aws_v1", "PriceList": []}
    wanted = {f["Field"]: f["Value"] for f in params.get("Filters", []) if f.get("Type", "TERM_MATCH") == "TERM_MATCH"}
    hits = [p for p in products[code]
            if all(p["product"]["attributes"].get(k) == v for k, v in wanted.items())]
    start = int(params.get("NextToken") or 0)
    size = int(params.get("MaxResults") or 100)
    answer: dict[str, Any] = {"FormatVersion": "aws_v1",
                              "PriceList": [json.dumps(p) for p in hits[start:start + size]]}
    if start + size < len(hits):
        answer["NextToken"] = str(start + size)
    return answer


def describe_services(products: dict[str, list[dict[str, Any]]], params: dict[str, Any]) -> dict[str, Any]:
    codes = [params["ServiceCode"]] if params.get("ServiceCode") else list(products)
    return {"FormatVersion": "aws_v1", "Services": [
        {"ServiceCode": c, "AttributeNames": sorted({k for p in products.get(c, []) for k in p["product"]["attributes"]})}
        for c in codes if c in products]}


def get_attribute_values(products: dict[str, list[dict[str, Any]]], params: dict[str, Any]) -> dict[str, Any]:
    values = sorted({p["product"]["attributes"].get(params.get("AttributeName", ""))
                     for p in products.get(params.get("ServiceCode", ""), [])} - {None})
    return {"AttributeValues": [{"Value": v} for v in values]}


def spot_price_history_xml(book: SnapshotPriceBook, region: str, form: dict[str, list[str]]) -> bytes:
    types = [v[0] for k, v in sorted(form.items()) if k.startswith("InstanceType.")]
    stamp = f"{book.data['as_of']}T00:00:00.000Z"
    items = []
    for itype in types:
        try:
            price = book.ec2_hourly(region, itype, "SPOT")
        except LookupError:
            continue
        for zone in ("a", "b"):
            items.append(f"<item><instanceType>{escape(itype)}</instanceType><productDescription>Linux/UNIX"
                         f"</productDescription><spotPrice>{price.usd.normalize():f}</spotPrice><timestamp>{stamp}"
                         f"</timestamp><availabilityZone>{region}{zone}</availabilityZone></item>")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<DescribeSpotPriceHistoryResponse '
            'xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>00000000-0000-0000-0000-000000000000'
            f'</requestId><spotPriceHistorySet>{"".join(items)}</spotPriceHistorySet><nextToken></nextToken>'
            '</DescribeSpotPriceHistoryResponse>').encode()


class PricingMiddleware:
    """In front of the rest: Price List calls and spot history from the snapshot; everything else passes."""

    def __init__(self, app: WsgiApp, book: SnapshotPriceBook | None = None) -> None:
        self.app = app
        self.book = book or SnapshotPriceBook.load()
        self.products = snapshot_products(self.book)
        self.handlers = {"GetProducts": get_products, "DescribeServices": describe_services,
                         "GetAttributeValues": get_attribute_values}

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        if target.startswith(PRICING_TARGET_PREFIX):
            handler = self.handlers.get(target[len(PRICING_TARGET_PREFIX):])
            body = read_body(environ)
            if handler is None:
                return self._send(start_response, "400 Bad Request", JSON_CONTENT_TYPE, json.dumps(
                    {"__type": "InvalidParameterException", "Message": f"{target} is not emulated"}).encode())
            return self._send(start_response, "200 OK", JSON_CONTENT_TYPE,
                              json.dumps(handler(self.products, json.loads(body or b"{}"))).encode())
        if str(environ.get("CONTENT_TYPE", "")).startswith("application/x-www-form-urlencoded"):
            body = read_body(environ)
            if b"Action=DescribeSpotPriceHistory" in body:
                region = credential_scope(environ)[1] or "us-east-1"
                form = parse_qs(body.decode())
                return self._send(start_response, "200 OK", "text/xml", spot_price_history_xml(self.book, region, form))
        return self.app(environ, start_response)

    @staticmethod
    def _send(start_response: Callable[..., Any], status: str, content_type: str, data: bytes) -> list[bytes]:
        start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(data)))])
        return [data]
