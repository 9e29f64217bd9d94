"""EBS volume limits: EMR's data volumes and the root volume. The pages the comments cite are listed in the package
docstring."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Optional

from emr_contract.ebs import default_root_volume_size_gib
from emr_contract.releases import ReleaseLike


@dataclass(frozen=True)
class EbsVolumeType:
    """What EC2 accepts for one volume type (EBS), and whether EMR takes the type at all (VOLSPEC)."""

    name: str
    size_gib: tuple[int, int]
    iops: Optional[tuple[int, int]]  # None: the type takes no Iops ("Omit for all other volume types")
    iops_required: bool
    max_iops_per_gib: Optional[float]
    throughput_mibps: Optional[tuple[int, int]]  # None: no Throughput (gp3 only)
    max_mibps_per_iops: Optional[float]
    emr_accepts: bool


# VOLSPEC VolumeType: "Volume types supported are gp3, gp2, io1, st1, sc1, and standard." (no io2)
EMR_VOLUME_TYPES = ("gp3", "gp2", "io1", "st1", "sc1", "standard")

EBS_VOLUME_TYPES: Mapping[str, EbsVolumeType] = {
    # EBS Size "gp2: 1 - 16,384 GiB"; Iops "Omit for all other volume types" (only gp3, io1, io2 take it).
    "gp2": EbsVolumeType("gp2", (1, 16384), None, False, None, None, None, True),
    # EBS (2026): gp3 size 1-65,536 GiB, IOPS 3,000 (default)-80,000, throughput 125-2,000 MiB/s. Older EC2
    # text (and the SDK docs most tools embed) says 1-16,384 GiB, 3,000-16,000 IOPS, 125-1,000 MiB/s, and
    # VOLSPEC caps Throughput at "125 - 1000". guess: we keep the older, stricter limits until EMR's own page
    # moves. Ratios: EBSGP and MG emr-custom-ami-root-volume-size ("size and IOPS can't have a ratio higher
    # than 1 volume to 500 IOPS", "IOPS and throughput ... 1 IOPS to 0.25 throughput").
    "gp3": EbsVolumeType("gp3", (1, 16384), (3000, 16000), False, 500, (125, 1000), 0.25, True),
    # EBS: io1 4-16,384 GiB, 100-64,000 IOPS, Iops "Required for io1 and io2"; EBSPI: at most 50 IOPS per GiB.
    "io1": EbsVolumeType("io1", (4, 16384), (100, 64000), True, 50, None, None, True),
    # EBS: io2 4-65,536 GiB, 100-256,000 IOPS; EBSPI (io2 Block Express): IOPS:GiB ratio 1,000:1. EMR does
    # not list io2 (VOLSPEC).
    "io2": EbsVolumeType("io2", (4, 65536), (100, 256000), True, 1000, None, None, False),
    # EBS: "st1 and sc1: 125 - 16,384 GiB"; no Iops, no Throughput.
    "st1": EbsVolumeType("st1", (125, 16384), None, False, None, None, None, True),
    "sc1": EbsVolumeType("sc1", (125, 16384), None, False, None, None, None, True),
    # EBS: "standard: 1 - 1024 GiB".
    "standard": EbsVolumeType("standard", (1, 1024), None, False, None, None, None, True),
}

# VOLSPEC SizeInGB: "This can be a number from 1 - 1024. If the volume type is EBS-optimized, the minimum
# value is 10." The EMR API page caps every type at 1,024 GiB, below EC2's per-type maximum; the pages
# disagree and we keep EMR's cap (stricter). guess: "EBS-optimized" is read as EbsOptimized=true.
EMR_VOLUME_SIZE_GIB = (1, 1024)
# MG emr-plan-storage: "There is a limit of 25 volumes per instance." "The Amazon EBS volumes on core
# nodes cannot be less than 5 GB." "Amazon EBS has a fixed limit of 2,500 EBS volumes per instance launch
# request."
MAX_EBS_VOLUMES_PER_INSTANCE = 25
MIN_CORE_EBS_VOLUME_GB = 5


def ebs_volume_problems(volume_type: str, size_gib: int, iops: Optional[int] = None,
                        throughput: Optional[int] = None, *, emr: bool = True) -> list[tuple[str, str]]:
    """Every way a volume breaks EC2's limits (and, with ``emr``, EMR's), as (the parameter at fault, why):
    "volume_type", "size_gib", "iops" or "throughput"; empty when it is fine."""
    spec = EBS_VOLUME_TYPES.get(volume_type)
    if spec is None:
        return [("volume_type",
                 f"volume type {volume_type!r} is not an EBS volume type ({', '.join(EBS_VOLUME_TYPES)})")]
    problems = []
    if emr and not spec.emr_accepts:
        problems.append(("volume_type",
                         f"EMR does not take {volume_type} volumes (it takes {', '.join(EMR_VOLUME_TYPES)})"))
    lo, hi = spec.size_gib
    if emr:
        hi = min(hi, EMR_VOLUME_SIZE_GIB[1])
    if not lo <= size_gib <= hi:
        problems.append(("size_gib", f"{volume_type} volumes are {lo}-{hi} GiB, got {size_gib}"))
    if spec.iops is None:
        if iops is not None:
            problems.append(("iops", f"{volume_type} volumes take no iops"))
    elif iops is None:
        if spec.iops_required:
            problems.append(("iops", f"{volume_type} volumes need iops ({spec.iops[0]}-{spec.iops[1]})"))
    else:
        if not spec.iops[0] <= iops <= spec.iops[1]:
            problems.append(("iops", f"{volume_type} iops are {spec.iops[0]}-{spec.iops[1]}, got {iops}"))
        if spec.max_iops_per_gib is not None and iops > spec.max_iops_per_gib * size_gib:
            problems.append(("iops", f"{volume_type} allows at most {spec.max_iops_per_gib:g} iops per GiB: "
                            f"{size_gib} GiB takes at most {int(spec.max_iops_per_gib * size_gib)} iops, got {iops}"))
    if spec.throughput_mibps is None:
        if throughput is not None:
            problems.append(("throughput", f"{volume_type} volumes take no throughput (gp3 only)"))
    elif throughput is not None:
        if not spec.throughput_mibps[0] <= throughput <= spec.throughput_mibps[1]:
            problems.append(("throughput", f"{volume_type} throughput is "
                             f"{spec.throughput_mibps[0]}-{spec.throughput_mibps[1]} MiB/s, got {throughput}"))
        effective_iops = iops if iops is not None else (spec.iops[0] if spec.iops else 0)
        if spec.max_mibps_per_iops is not None and throughput > spec.max_mibps_per_iops * effective_iops:
            problems.append(("throughput", f"{volume_type} allows at most {spec.max_mibps_per_iops:g} MiB/s per iops: "
                            f"{effective_iops} iops take at most {spec.max_mibps_per_iops * effective_iops:g} "
                            f"MiB/s, got {throughput}"))
    return problems


# Root volume (EbsRootVolumeSize/Iops/Throughput), MG emr-custom-ami-root-volume-size: "You can adjust this up
# to 100 GiB"; "The default root volume IOPS is 3000. You can adjust this up to 16000."; "The default root
# volume throughput is 125 MiB/s. You can adjust this up to 1000 Mib/s."; ratios 1:500 (GiB:IOPS) and
# 1:0.25 (IOPS:MiB/s). Iops/throughput from 6.15.0 (EBS_ROOT_VOLUME_IOPS / _THROUGHPUT gates).
ROOT_VOLUME_MAX_GIB = 100
# guess: the smallest root volume is not stated for current releases; MG (2022) said "from 10 GiB (the
# default) up to 100 GiB". We take the release's default size as the minimum (15 GiB from 6.10.0), the
# stricter reading: see default_root_volume_size_gib.
ROOT_VOLUME_IOPS = (3000, 16000)


def root_volume_size_range(release: ReleaseLike) -> Optional[tuple[int, int]]:
    default = default_root_volume_size_gib(release)
    return None if default is None else (default, ROOT_VOLUME_MAX_GIB)
