"""Deterministic generator of the embedded sample corpus: a fictional war in the fictional country Karvia.

Six fictional outlets report on the same sixteen fictional events. Every outlet has a *house style*
that plants known framing choices — which label it uses for each side, which reporting verbs it uses
for each side's statements, which grammatical construction it uses when a side kills people, how it
describes each side, which stories it selects, and a few terms that no built-in lexicon knows. The
generator writes the reports from a grammar of many templates per sentence role, records every choice
it realises, and derives the answer key from those records (majorities of what was actually written,
not the intentions), so the key can be checked against the text.

Nothing here is copied from real outlets; all places, people, outlets and events are invented.

Run ``python -m framelens.datasets.sample_generator --out corpora/karvia`` to rewrite the files:
``reports.csv`` (the corpus), ``answer_key.csv`` (planted choices), ``annotations.csv`` (one row per
sentence: role, attribution and casualty truth) and ``mentions.csv`` (every actor mention with its
character span).
"""
from __future__ import annotations

import argparse
import csv
import io
import re
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd

SEED = 20240917
NAME = "karvia"
DESCRIPTION = (
    "Fictional news reports on a fictional war in the fictional country of Karvia: 6 invented outlets, "
    "16 invented events, planted framing choices listed in answer_key.csv. Written by "
    "framelens.datasets.sample_generator; no real outlet's text."
)
FILES = ("reports.csv", "answer_key.csv", "annotations.csv", "mentions.csv")

# -- actor families: the template slot, the conflict_actors family it belongs to --------------------
OPP, GOV, MIL, JIH, CIV = "opp", "gov", "mil", "jih", "civ"
FAMILY = {
    OPP: "armed_opposition",
    GOV: "government_side",
    MIL: "foreign_forces_militias",
    JIH: "jihadist_groups",
    CIV: "civilians",
}
SIDES = (OPP, GOV)
OTHER = {OPP: GOV, GOV: OPP}

# Surface forms written for each label: (determiner, head, plural). Heads are exactly the forms the
# built-in conflict_actors lexicon lists; labels whose id is not a lexicon label are the planted
# "discovery" terms (TERMS) that a lexicon does not know.
NPS: dict[str, list[tuple[str, str, bool]]] = {
    # armed_opposition
    "rebels": [("the", "rebels", True), ("the", "rebels", True), ("", "rebel fighters", True)],
    "insurgents": [("the", "insurgents", True), ("the", "insurgents", True), ("", "insurgents", True)],
    "opposition": [("", "opposition fighters", True), ("the", "armed opposition", False)],
    "freedom_fighters": [("the", "freedom fighters", True), ("the", "freedom fighters", True), ("", "freedom fighters", True)],
    "moderate_opposition": [("the", "moderate rebels", True)],
    "terrorists": [("the", "terrorists", True), ("the", "terrorists", True), ("", "terrorists", True)],
    "militants": [("the", "militants", True), ("the", "militants", True), ("", "militants", True)],
    "extremists": [("the", "extremists", True), ("", "extremists", True)],
    "armed_gangs": [("", "armed gangs", True), ("the", "armed gangs", True)],
    # government_side
    "army": [("the", "army", False), ("the", "army", False), ("", "army units", True)],
    "government_forces": [("", "government forces", True), ("", "government forces", True), ("", "government troops", True)],
    "government": [("the", "government", False)],
    "regime": [("the", "regime", False)],
    "regime_forces": [("", "regime forces", True)],
    "loyalists": [("", "loyalist forces", True), ("", "loyalist forces", True), ("the", "loyalists", True)],
    "security_forces": [("", "security forces", True), ("the", "security forces", True)],
    # foreign_forces_militias
    "militias": [("", "militias", True), ("the", "militias", True)],
    "mercenaries": [("", "mercenaries", True), ("the", "mercenaries", True)],
    "foreign_fighters": [("", "foreign fighters", True)],
    # jihadist_groups (proper names: no adjectives)
    "islamic_state": [("the", "Islamic State group", False), ("", "Islamic State", False)],
    "isis": [("", "ISIS", False)],
    "daesh": [("", "Daesh", False)],
    # civilians (victims)
    "civilians": [("", "civilians", True)],
    "residents": [("", "residents", True)],
    "children": [("", "children", True)],
    "women_and_children": [("", "women and children", True)],
    # planted terms outside the lexicon
    "resistance": [("the", "resistance", False)],
    "junta": [("the", "junta", False)],
    "bandits": [("the", "bandits", True), ("the", "bandits", True), ("", "bandits", True)],
    "patriots": [("the", "patriots", True), ("our", "patriots", True)],
    "death squads": [("the", "death squads", True), ("", "death squads", True)],
}
TERMS = ("resistance", "junta", "bandits", "patriots", "death squads")

# How far each label leans (-1 sympathetic to the armed opposition … +1 sympathetic to the
# government); used only to derive the slant ranking from what was written.
LABEL_LEAN = {
    "freedom_fighters": -1.0, "moderate_opposition": -0.6, "opposition": -0.5, "rebels": 0.0,
    "insurgents": 0.3, "militants": 0.5, "extremists": 0.8, "armed_gangs": 0.8, "terrorists": 1.0,
    "regime": -1.0, "regime_forces": -0.8, "loyalists": -0.3, "government_forces": 0.0,
    "government": 0.1, "army": 0.4, "security_forces": 0.5,
}

NEUTRAL_VERBS = {"said": 0.45, "told": 0.14, "stated": 0.08, "reported": 0.06, "according to": 0.27}
STANCE_VERBS = {"claimed": 0.36, "alleged": 0.12, "insisted": 0.16, "denied": 0.2, "admitted": 0.08, "conceded": 0.08}
VERB_CLASS = {**{v: "neutral" for v in NEUTRAL_VERBS}, **{v: "stance" for v in STANCE_VERBS}}
CONSTRUCTIONS = ("active", "passive_agent", "passive_agentless", "intransitive")

POSITIVE_ADJ = ("brave", "heroic", "courageous")
NEGATIVE_ADJ = ("brutal", "murderous", "cruel", "savage", "criminal")


# =================================================================================================
# Outlets
# =================================================================================================
@dataclass(frozen=True)
class Outlet:
    """One fictional outlet and its house style (the intended choices; the key is derived from text)."""

    name: str
    lean: str
    slant: int  # intended rank, 1 = most pro-opposition
    description: str
    labels: dict  # slot -> {label or term: weight}
    stance: dict  # side -> probability that a statement by that side gets a stance verb
    voice: dict  # side (as agent of harm) -> {construction: weight}
    tone: dict  # side -> +1 praise, -1 condemn, 0 nothing planted
    adjective_rate: float  # share of a toned side's mentions that get an adjective
    tone_sentences: tuple[int, int]  # min, max tone sentences per report
    coverage: dict  # event kind -> reports per event (before jitter)
    inflation: dict = field(default_factory=dict)  # side (perpetrator) -> multiplier of death tolls
    house: tuple[str, ...] = ()  # the outlet's own stock sentences ({opp.term}: its own term for a side)
    house_rate: float = 0.0  # probability that a report carries one of them


OUTLETS: tuple[Outlet, ...] = (
    Outlet(
        name="Free Karvia Voice", lean="pro_opposition", slant=1,
        description="Exile website of the uprising; calls the armed opposition freedom fighters or the resistance, "
                    "the government the regime or the junta.",
        labels={
            OPP: {"freedom_fighters": 0.58, "resistance": 0.22, "opposition": 0.09, "rebels": 0.08, "moderate_opposition": 0.03},
            GOV: {"regime": 0.56, "junta": 0.18, "regime_forces": 0.14, "government_forces": 0.07, "army": 0.05},
            MIL: {"militias": 0.45, "mercenaries": 0.55},
            JIH: {"daesh": 0.8, "islamic_state": 0.14, "isis": 0.06},
        },
        stance={OPP: 0.12, GOV: 0.76},
        voice={GOV: {"active": 0.72, "passive_agent": 0.15, "passive_agentless": 0.09, "intransitive": 0.04},
               OPP: {"intransitive": 0.72, "passive_agentless": 0.16, "passive_agent": 0.08, "active": 0.04}},
        tone={OPP: +1, GOV: -1}, adjective_rate=0.3, tone_sentences=(1, 2),
        coverage={"gov_atrocity": 4, "opp_atrocity": 2, "battle": 3, "ceasefire": 3, "exchange": 3, "bombing": 2},
        inflation={GOV: 1.4, OPP: 0.6},
        house=("Across the north, {opp.term} {opp.has} kept schools and clinics open despite the bombing.",
               "Many young people have joined {opp.term}, hoping for a free and peaceful country.",
               "{gov.term} {gov.has} jailed thousands of peaceful protesters since 2021.",
               "Under {gov.term}, the north has known nothing but hunger and bombs.",
               "{opp.term} {opp.has} promised free elections once the war is over.",
               "To exiles in Lisvar, {gov.term} is a clan that rules through fear and theft."),
        house_rate=0.85,
    ),
    Outlet(
        name="The Marn Courier", lean="pro_opposition", slant=2,
        description="Regional daily from the north; says opposition fighters and regime forces, and calls the "
                    "pro-government militias death squads.",
        labels={
            OPP: {"opposition": 0.7, "rebels": 0.16, "freedom_fighters": 0.1, "moderate_opposition": 0.04},
            GOV: {"regime_forces": 0.7, "regime": 0.14, "government_forces": 0.1, "army": 0.06},
            MIL: {"death squads": 0.45, "militias": 0.45, "mercenaries": 0.1},
            JIH: {"isis": 0.72, "islamic_state": 0.2, "daesh": 0.08},
        },
        stance={OPP: 0.18, GOV: 0.68},
        voice={GOV: {"active": 0.7, "passive_agent": 0.18, "passive_agentless": 0.08, "intransitive": 0.04},
               OPP: {"passive_agentless": 0.7, "intransitive": 0.14, "passive_agent": 0.12, "active": 0.04}},
        tone={OPP: +1, GOV: -1}, adjective_rate=0.3, tone_sentences=(1, 1),
        coverage={"gov_atrocity": 4, "opp_atrocity": 3, "battle": 3, "ceasefire": 3, "exchange": 3, "bombing": 3},
        inflation={GOV: 1.2, OPP: 0.8},
        house=("{mil.term} have carried out killings in several villages around Marn.",
               "Families in the north dread the night raids of {mil.term}.",
               "{mil.term}, recruited and armed by {gov}, answer to no court.",
               "The so-called Falcon Brigades, {mil.term} linked to {gov}, control several checkpoints on the Marn road.",
               "Local councils in the north have opened shelters for families fleeing {mil.term}.",
               "Nobody in Marn has forgotten the raids of {mil.term} in the spring of 2023.",
               "In the villages around Marn, people speak with pride and hope of {opp.pos}.",
               "{opp.pos} {opp.has} won the trust of farmers across the north by protecting their harvests."),
        house_rate=0.85,
    ),
    Outlet(
        name="Orvane Wire", lean="neutral", slant=3,
        description="International news agency; says rebels and loyalist forces, reports both sides with said, "
                    "names the agent of harm.",
        labels={
            OPP: {"rebels": 0.74, "opposition": 0.1, "insurgents": 0.1, "militants": 0.06},
            GOV: {"loyalists": 0.72, "government_forces": 0.16, "army": 0.07, "government": 0.05},
            MIL: {"militias": 0.88, "foreign_fighters": 0.12},
            JIH: {"islamic_state": 0.78, "isis": 0.22},
        },
        stance={OPP: 0.12, GOV: 0.34},
        voice={GOV: {"active": 0.68, "passive_agent": 0.2, "passive_agentless": 0.08, "intransitive": 0.04},
               OPP: {"active": 0.62, "passive_agent": 0.2, "passive_agentless": 0.14, "intransitive": 0.04}},
        tone={OPP: 0, GOV: 0}, adjective_rate=0.0, tone_sentences=(0, 0),
        coverage={"gov_atrocity": 3, "opp_atrocity": 3, "battle": 3, "ceasefire": 3, "exchange": 3, "bombing": 3},
        house=("Casualty figures from both sides are rarely possible to verify independently.",
               "Access for foreign journalists to the front lines remains tightly restricted.",
               "Fighting has also disrupted the harvest in the Lesk valley, the country's breadbasket."),
        house_rate=0.3,
    ),
    Outlet(
        name="Continental Observer", lean="neutral", slant=4,
        description="Foreign broadsheet; says insurgents and government forces, prefers passives with a by-agent.",
        labels={
            OPP: {"insurgents": 0.75, "rebels": 0.16, "militants": 0.09},
            GOV: {"government_forces": 0.75, "army": 0.16, "government": 0.09},
            MIL: {"militias": 0.82, "foreign_fighters": 0.18},
            JIH: {"isis": 0.76, "islamic_state": 0.24},
        },
        stance={OPP: 0.34, GOV: 0.12},
        voice={GOV: {"passive_agent": 0.66, "active": 0.16, "passive_agentless": 0.14, "intransitive": 0.04},
               OPP: {"passive_agent": 0.66, "active": 0.22, "passive_agentless": 0.08, "intransitive": 0.04}},
        tone={OPP: 0, GOV: 0}, adjective_rate=0.0, tone_sentences=(0, 0),
        coverage={"gov_atrocity": 3, "opp_atrocity": 3, "battle": 3, "ceasefire": 3, "exchange": 3, "bombing": 3},
        house=("In private, diplomats in Lisvar see the war as a stalemate.",
               "The country's economy has shrunk by half since 2021.",
               "Neither side has allowed an independent investigation of the worst incidents of the war.",
               "{jih} remains a threat in the eastern desert, where it has regrouped since 2023."),
        house_rate=0.3,
    ),
    Outlet(
        name="Karvia Sentinel", lean="pro_government", slant=5,
        description="Capital daily close to the interior ministry; says militants and security forces and covers "
                    "mostly the armed opposition's atrocities (story selection).",
        labels={
            OPP: {"militants": 0.7, "extremists": 0.14, "terrorists": 0.1, "armed_gangs": 0.06},
            GOV: {"security_forces": 0.7, "army": 0.2, "government_forces": 0.1},
            MIL: {"militias": 0.86, "foreign_fighters": 0.14},
            JIH: {"islamic_state": 0.7, "daesh": 0.3},
        },
        stance={OPP: 0.68, GOV: 0.16},
        voice={GOV: {"passive_agentless": 0.7, "intransitive": 0.18, "passive_agent": 0.08, "active": 0.04},
               OPP: {"active": 0.68, "passive_agent": 0.22, "passive_agentless": 0.08, "intransitive": 0.02}},
        tone={OPP: -1, GOV: +1}, adjective_rate=0.3, tone_sentences=(1, 1),
        coverage={"gov_atrocity": 1, "opp_atrocity": 7, "battle": 2, "ceasefire": 2, "exchange": 2, "bombing": 2},
        inflation={OPP: 1.25, GOV: 0.7},
        house=("{gov} {gov.has} restored calm and safety to the streets of the capital.",
               "{opp} {opp.has} turned parts of the north into a haven for smugglers and kidnappers.",
               "Thanks to {gov}, markets and schools in the south have reopened.",
               "{opp} extort money from farmers at roadblocks across the north."),
        house_rate=0.5,
    ),
    Outlet(
        name="Karvian National Telegraph", lean="pro_government", slant=6,
        description="State news agency; says terrorists or bandits and the army or our patriots, hides the army's "
                    "agency behind 'died'.",
        labels={
            OPP: {"terrorists": 0.6, "bandits": 0.2, "militants": 0.1, "extremists": 0.05, "armed_gangs": 0.05},
            GOV: {"army": 0.56, "patriots": 0.16, "security_forces": 0.12, "government_forces": 0.08, "government": 0.08},
            MIL: {"militias": 0.82, "foreign_fighters": 0.18},
            JIH: {"daesh": 0.8, "isis": 0.2},
        },
        stance={OPP: 0.86, GOV: 0.06},
        voice={GOV: {"intransitive": 0.72, "passive_agentless": 0.18, "passive_agent": 0.06, "active": 0.04},
               OPP: {"active": 0.76, "passive_agent": 0.18, "passive_agentless": 0.06}},
        tone={OPP: -1, GOV: +1}, adjective_rate=0.38, tone_sentences=(1, 2),
        coverage={"gov_atrocity": 2, "opp_atrocity": 4, "battle": 3, "ceasefire": 3, "exchange": 3, "bombing": 3},
        inflation={OPP: 1.5, GOV: 0.5},
        house=("{gov.term} {gov.has} brought peace back to dozens of villages this year.",
               "The whole nation is proud of {gov.term}, who protect its families.",
               "{opp.term} {opp.has} robbed and burned farms across the north.",
               "For years {opp.term} {opp.has} lived off smuggling and kidnapping.",
               "Thanks to {gov.term}, pupils in Istrel are back at school.",
               "Farmers in the Lesk valley have begged for protection from {opp.term}."),
        house_rate=0.85,
    ),
)


# =================================================================================================
# Events
# =================================================================================================
@dataclass(frozen=True)
class Event:
    """One fictional event that several outlets report.

    ``kind`` decides coverage and statement contents; ``agents`` gives who kills people in it (slot →
    weight); ``circ`` are agentless circumstance phrases for casualty sentences; ``leads`` and
    ``details`` are event-specific sentence templates; ``titles`` headline templates.
    """

    id: str
    day: date
    kind: str  # gov_atrocity, opp_atrocity, battle, ceasefire, exchange, bombing
    place: str
    what: str  # noun phrase naming the event, for reactions
    toll: int
    agents: dict
    victims: tuple[str, ...]  # "civ" = a civilians-family noun, else a literal noun
    circ: tuple[str, ...]
    kill: tuple[str, ...]
    leads: tuple[str, ...]
    details: tuple[str, ...]
    titles: tuple[str, ...]
    active: tuple[str, ...] = ()  # extra event-specific active casualty templates
    target: str = "the town"  # what was hit, with its place ("the hospital in Marn")
    summary: str = ""

    @property
    def perpetrator(self) -> str | None:
        """The side whose atrocity this is (``opp``/``gov``), else None."""
        return {"gov_atrocity": GOV, "opp_atrocity": OPP}.get(self.kind)


EVENTS: tuple[Event, ...] = (
    Event(
        "E01_istrel_battle", date(2024, 3, 4), "battle", "Istrel", "the fighting in Istrel", 23,
        {GOV: 0.5, OPP: 0.5}, ("civ", "people", "civ"),
        ("in crossfire in the old quarter of Istrel", "during street fighting in Istrel",
         "as shells fell on the river district of Istrel"),
        ("killed",),
        ("Heavy fighting broke out between {gov} and {opp} for control of the town of Istrel {when}.",
         "{opp} and {gov} fought street by street for the town of Istrel {when}, in the fiercest clashes for months.",
         "The battle for Istrel, a crossroads town on the Veska river, entered its third day {when}."),
        ("Smoke rose over the grain silos on the edge of Istrel as families fled across the Veska bridge.",
         "The railway station changed hands twice before nightfall.",
         "Istrel's only bakery closed after a shell hit its roof, leaving {num:40:90} families without bread.",
         "Dr Lena Orsk, who runs the town clinic, said her staff had treated {num:30:70} wounded since dawn."),
        ("Fighting rages for Istrel", "Battle for Istrel enters third day", "{gov} and {opp} clash in Istrel",
         "Dozens dead as Istrel fighting spreads"),
        target="the railway station in Istrel",
        summary="three-day battle for the crossroads town of Istrel; civilians killed in crossfire by both sides",
    ),
    Event(
        "E02_marn_hospital_strike", date(2024, 3, 19), "gov_atrocity", "Marn", "the strike on the Marn hospital", 31,
        {GOV: 1.0}, ("civ", "patients", "people", "civ"),
        ("in an air strike on the main hospital in Marn", "when bombs hit the main hospital in Marn",
         "in the bombing of the Saint Ilya hospital in Marn"),
        ("killed",),
        ("An air strike destroyed the main hospital in Marn {when}, burying patients and staff under rubble.",
         "The Saint Ilya hospital, the last working hospital in Marn, was reduced to rubble {when}."),
        ("Rescuers dug through the rubble with their hands late into the night.",
         "The hospital had {num:120:240} beds and was treating wounded from the front.",
         "\"We carried out the newborns first,\" said Irina Valk, a nurse who survived the strike.",
         "Dr Lena Orsk said the hospital's coordinates had been shared with both sides weeks earlier."),
        ("Air strike on Marn hospital kills {n}", "{gov} accused of bombing Marn hospital", "Hospital in Marn hit, dozens dead",
         "Marn hospital destroyed in air strike"),
        active=("{A} bombed the main hospital in Marn {when}, killing {n} {V}.",),
        target="the hospital in Marn",
        summary="air strike destroys the main hospital in Marn; the government side is the perpetrator",
    ),
    Event(
        "E03_dorvask_market_shelling", date(2024, 4, 6), "opp_atrocity", "Dorvask", "the shelling of the Dorvask market", 42,
        {OPP: 1.0}, ("civ", "shoppers", "people", "civ"),
        ("when shells struck the crowded central market in Dorvask", "in the shelling of the central market in Dorvask",
         "as mortar rounds landed among the stalls of the Dorvask market"),
        ("killed",),
        ("Mortar shells slammed into the crowded central market of Dorvask, the capital, {when}.",
         "The central market of Dorvask was hit by a barrage of shells {when}, at the busiest hour of the day."),
        ("Blood-stained fruit and overturned stalls littered the square hours after the attack.",
         "Ambulances ferried the wounded to the capital's two main hospitals, where {num:60:130} people were treated.",
         "\"I was buying bread when the first shell landed,\" said Pavel Drosk, a 52-year-old teacher.",
         "The market sits in the old town, about eight kilometres from the nearest front line."),
        ("Shelling of Dorvask market kills {n}", "Carnage at Dorvask market", "{opp} blamed for market attack",
         "Market in the capital shelled"),
        active=("{A} shelled the central market of Dorvask {when}, killing {n} {V}.",),
        target="the market in Dorvask",
        summary="mortar shelling of the central market of the capital Dorvask; the armed opposition is the perpetrator",
    ),
    Event(
        "E04_severin_pass_ambush", date(2024, 4, 23), "battle", "Severin Pass", "the ambush at Severin Pass", 17,
        {OPP: 0.8, GOV: 0.2}, ("drivers", "people", "passengers"),
        ("in an ambush on a supply convoy at Severin Pass", "when a convoy was ambushed on the road through Severin Pass"),
        ("killed",),
        ("A supply convoy was ambushed on the mountain road through Severin Pass {when}.",
         "{opp} attacked a supply convoy escorted by {gov} at Severin Pass {when}."),
        ("Burnt-out lorries blocked the road through the pass for most of the day.",
         "The convoy of {num:9:16} lorries was carrying fuel and flour to garrisons in the north.",
         "The pass, at 1,900 metres, is the only road link between the capital and the northern valleys."),
        ("Convoy ambushed at Severin Pass", "{n} dead in Severin Pass ambush", "Ambush closes mountain road"),
        active=("{A} ambushed a supply convoy at Severin Pass {when}, killing {n} {V}.",),
        target="the convoy at Severin Pass",
        summary="ambush on a supply convoy on the mountain road; mostly the armed opposition attacks",
    ),
    Event(
        "E05_kolvato_siege", date(2024, 5, 10), "gov_atrocity", "Kolvato", "the siege of Kolvato", 27,
        {GOV: 1.0}, ("civ", "people", "civ"),
        ("in besieged Kolvato", "during the siege of Kolvato", "in the encircled city of Kolvato"),
        ("killed",),
        ("The siege of Kolvato entered its fourth month {when}, with no food convoy allowed into the city since February.",
         "Hunger and shelling are taking a rising toll in the encircled city of Kolvato, according to doctors there."),
        ("A sack of flour now costs {num:8:15} times what it did before the siege.",
         "Doctors in Kolvato are operating by torchlight because the city has no fuel.",
         "\"We boil grass and weeds to feed the little ones,\" said Anya Teral, a mother of three.",
         "About 60,000 people remain inside Kolvato, most of them elderly.",
         "Checkpoints run by {mil} turn back most lorries carrying food."),
        ("Kolvato siege: hunger deaths mount", "Besieged Kolvato starves", "Siege of Kolvato tightens",
         "Dozens die in Kolvato siege"),
        active=("{A} shelled the besieged city of Kolvato {when}, killing {n} {V}.",
                "{A} killed {n} {V} in besieged Kolvato {when} by blocking food and medicine."),
        target="Kolvato",
        summary="government-side siege of the city of Kolvato: deaths from shelling and hunger",
    ),
    Event(
        "E06_tarnik_massacre", date(2024, 5, 28), "gov_atrocity", "Tarnik", "the killings in Tarnik", 38,
        {GOV: 1.0}, ("villagers", "civ", "people"),
        ("in the village of Tarnik", "in a night raid on the village of Tarnik", "in the farming village of Tarnik near Marn"),
        ("killed", "shot dead", "massacred"),
        ("Bodies were found in the streets and orchards of the village of Tarnik {when}, after a night of killing.",
         "Survivors of a night raid on the village of Tarnik spoke of house-to-house killings."),
        ("Villagers buried the dead in a single long grave behind the school.",
         "Witnesses said the attackers arrived in armoured vehicles shortly after midnight and left at dawn.",
         "{mil}, who fight alongside {gov}, had been seen in the area the day before.",
         "\"They took my husband and my brother behind the barn,\" said Maria Oslek, 61."),
        ("Massacre in Tarnik: {n} dead", "Village of Tarnik mourns its dead", "{gov} accused over Tarnik killings",
         "Night of killing in Tarnik"),
        active=("Helped by {mil}, {A} killed {n} {V} in a night raid on the village of Tarnik {when}.",),
        target="the village of Tarnik",
        summary="massacre of villagers in Tarnik attributed to the government side and its militias",
    ),
    Event(
        "E07_ulmeny_massacre", date(2024, 6, 14), "opp_atrocity", "Ulmeny", "the killings in Ulmeny", 29,
        {OPP: 1.0}, ("villagers", "civ", "people"),
        ("in the village of Ulmeny", "in a dawn attack on the village of Ulmeny", "in the hamlet of Ulmeny in the eastern hills"),
        ("killed", "shot dead", "massacred"),
        ("Gunfire and flames tore through the hill village of Ulmeny at dawn {when}.",
         "Families in the hill village of Ulmeny were attacked in their homes {when}."),
        ("Many of the dead in Ulmeny belonged to the Ostrani minority, who had refused to leave the village.",
         "The village mosque and the school were set on fire, witnesses said.",
         "\"They went from door to door with lists of names,\" said Josef Amrin, who hid in a cellar.",
         "Ulmeny lies in the eastern hills, close to a front line that has barely moved in a year.",
         "Cells of {jih} are also active in the eastern hills, but there is no sign that they took part."),
        ("Massacre in Ulmeny", "{n} killed in Ulmeny village attack", "{opp} accused over Ulmeny killings",
         "Horror in the hills: Ulmeny attacked"),
        active=("{A} stormed the village of Ulmeny at dawn {when}, killing {n} {V}.",),
        target="the village of Ulmeny",
        summary="massacre of villagers of a minority in Ulmeny attributed to the armed opposition",
    ),
    Event(
        "E08_halvor_offensive", date(2024, 7, 2), "battle", "Halvor", "the offensive on Halvor", 34,
        {GOV: 0.6, OPP: 0.4}, ("civ", "people", "civ"),
        ("during the offensive on Halvor in the Lesk valley", "as fighting reached the centre of Halvor",
         "in shelling around Halvor"),
        ("killed",),
        ("{gov} launched a major offensive to retake the town of Halvor in the Lesk valley {when}.",
         "Tanks and artillery pounded the approaches to Halvor {when} as the battle for the Lesk valley began."),
        ("Thousands of families fled south along the valley road, carrying what they could.",
         "Halvor, a market town of about {num:25:40},000 people, had been held by {opp} since 2022.",
         "The Lesk valley produces most of the country's wheat.",
         "Engineers blew up the Halvor dam bridge to slow the advance.",
         "{mil} joined the assault on Halvor from the east."),
        ("Offensive on Halvor begins", "Battle for the Lesk valley", "{gov} push into Halvor", "Halvor under fire"),
        target="Halvor",
        summary="government-side offensive to retake the town of Halvor in the Lesk valley",
    ),
    Event(
        "E09_velm_car_bomb", date(2024, 7, 20), "bombing", "Velm", "the bombing in Velm", 19,
        {JIH: 1.0}, ("civ", "people", "worshippers"),
        ("when a car bomb exploded outside a mosque in Velm", "in a car bombing in Velm",
         "in a blast outside the great mosque of Velm"),
        ("killed",),
        ("A car bomb exploded outside the great mosque of Velm as worshippers left evening prayers {when}.",
         "A powerful blast tore through the square in front of the great mosque of Velm {when}."),
        ("{jih} claimed the bombing in a statement posted online.",
         "The explosion shattered windows up to a kilometre away.",
         "Velm, near the eastern border, has been spared most of the war until now.",
         "\"The sky turned black,\" said Omar Tessel, a shopkeeper whose son was wounded."),
        ("Car bomb in Velm kills {n}", "Blast at Velm mosque", "{jih} claims Velm bombing"),
        active=("{A} detonated a car bomb outside the great mosque of Velm {when}, killing {n} {V}.",),
        target="the mosque in Velm",
        summary="car bomb outside a mosque in Velm claimed by a jihadist group",
    ),
    Event(
        "E10_orsenna_school_strike", date(2024, 8, 5), "gov_atrocity", "Orsenna", "the strike on the Orsenna school", 21,
        {GOV: 1.0}, ("civ", "pupils", "civ", "people"),
        ("in an air strike on a school in Orsenna", "when a school in Orsenna was hit from the air",
         "in the bombing of the Orsenna primary school"),
        ("killed",),
        ("A primary school in the northern town of Orsenna was hit in an air strike during morning lessons {when}.",
         "Rescue workers pulled bodies from the ruins of the Orsenna primary school {when}."),
        ("Schoolbags and exercise books lay scattered in the rubble.",
         "The school had reopened only two weeks earlier after repairs.",
         "\"My daughter was in the second class,\" said Lidia Varen, waiting outside the morgue.",
         "Orsenna lies 30 kilometres behind the front line."),
        ("School bombed in Orsenna", "{n} dead in Orsenna school strike", "Air strike by {gov} hits school",
         "Orsenna mourns its pupils"),
        active=("{A} bombed a primary school in Orsenna {when}, killing {n} {V}.",),
        target="the school in Orsenna",
        summary="air strike on a primary school in Orsenna; the government side is the perpetrator",
    ),
    Event(
        "E11_gravin_executions", date(2024, 8, 22), "opp_atrocity", "Gravin", "the executions in Gravin", 16,
        {OPP: 1.0}, ("prisoners", "captives", "people"),
        ("in a quarry outside Gravin", "at a quarry near the town of Gravin", "in Gravin"),
        ("executed", "killed", "shot dead"),
        ("The bodies of prisoners were found in a quarry outside the town of Gravin {when}.",
         "A video showing the killing of bound prisoners near Gravin circulated online {when}."),
        ("The men's hands had been tied behind their backs.",
         "Relatives identified several of the dead as truck drivers and town officials.",
         "The video, first posted on a messaging channel, was later deleted.",
         "Gravin has been under the control of {opp} since the spring.",
         "{jih} held Gravin briefly in 2023 before being driven out."),
        ("Executions in Gravin", "{n} prisoners executed near Gravin", "{opp} accused of executing prisoners",
         "Bodies found in Gravin quarry"),
        active=("{A} {kv} {n} {V} in a quarry outside Gravin {when}.",),
        target="the quarry near Gravin",
        summary="execution of prisoners in a quarry near Gravin attributed to the armed opposition",
    ),
    Event(
        "E12_nizhen_bus_station", date(2024, 9, 3), "opp_atrocity", "Nizhen", "the rocket attack on Nizhen", 24,
        {OPP: 1.0}, ("civ", "passengers", "people"),
        ("when rockets hit the bus station in Nizhen", "in a rocket attack on the bus station in Nizhen",
         "as rockets slammed into the bus station of Nizhen"),
        ("killed",),
        ("Rockets slammed into the crowded bus station of Nizhen during the morning rush {when}.",
         "A salvo of rockets hit the bus station in the southern city of Nizhen {when}."),
        ("Twisted metal from two buses lay across the platforms.",
         "Most of the passengers were travelling to the capital for work.",
         "\"People were screaming for their relatives,\" said Dana Korvel, a ticket seller.",
         "Nizhen, a city of about {num:15:22}0,000 people, lies far from the front and had rarely been hit before."),
        ("Rockets hit Nizhen bus station", "{n} killed in Nizhen rocket attack", "Rockets fired by {opp} hit Nizhen",
         "Carnage at Nizhen bus station"),
        active=("{A} fired rockets at the bus station in Nizhen {when}, killing {n} {V}.",),
        target="the bus station in Nizhen",
        summary="rocket attack on the bus station of Nizhen attributed to the armed opposition",
    ),
    Event(
        "E13_aldmar_ceasefire", date(2024, 9, 18), "ceasefire", "Aldmar", "the ceasefire agreed in Aldmar", 6,
        {GOV: 0.5, OPP: 0.5}, ("civ", "people"),
        ("near Istrel hours after the truce began", "in shelling near Istrel despite the truce"),
        ("killed",),
        ("{gov} and {opp} agreed a nationwide ceasefire at talks in Aldmar {when}, the first since the war began.",
         "A ceasefire brokered by the Continental Union was signed in the neutral city of Aldmar {when}.",
         "Negotiators from both sides signed a truce in Aldmar {when}, to take effect at midnight."),
        ("The agreement provides for monitors, an exchange of prisoners and safe passage for aid convoys.",
         "Crowds gathered in the squares of several towns to celebrate the news.",
         "The text of the agreement runs to {num:38:52} pages and took six weeks to negotiate.",
         "Previous truces in 2022 and 2023 collapsed within days."),
        ("Ceasefire agreed in Aldmar", "Truce signed after six weeks of talks", "Guns to fall silent in Karvia",
         "A ceasefire, at last"),
        target="the truce",
        summary="nationwide ceasefire signed at talks in the neutral city of Aldmar",
    ),
    Event(
        "E14_brezno_exchange", date(2024, 10, 1), "exchange", "Brezno", "the prisoner exchange at Brezno", 0,
        {}, ("civ",),
        (), (),
        ("{gov} and {opp} exchanged {num:180:260} prisoners at the Brezno river crossing {when}.",
         "Buses carrying prisoners from both sides crossed the Brezno bridge {when} in the largest exchange of the war.",
         "Hundreds of families waited at the Brezno crossing {when} as prisoners were swapped under the truce."),
        ("Monitors from the Continental Union checked the name of every prisoner at the bridge.",
         "Some of the freed men had been held for more than two years.",
         "\"I did not recognise my son, he was so thin,\" said Vera Lanek, who had waited since dawn.",
         "The exchange had been delayed twice over disputes about the lists."),
        ("Prisoners swapped at Brezno", "Hundreds of prisoners freed in exchange", "Tears at the Brezno crossing",
         "Largest prisoner exchange of the war"),
        target="the exchange",
        summary="exchange of prisoners at the Brezno river crossing under the truce",
    ),
    Event(
        "E15_kolvato_aid_convoy", date(2024, 10, 15), "gov_atrocity", "Kolvato", "the attack on the aid convoy near Kolvato", 14,
        {GOV: 1.0}, ("aid workers", "civ", "people"),
        ("when an aid convoy was hit on the road to Kolvato", "in an attack on an aid convoy near Kolvato",
         "as an aid convoy approached Kolvato"),
        ("killed",),
        ("An aid convoy carrying flour and medicine to Kolvato was hit on the road into the city {when}, "
         "a month after the truce.",
         "The first aid convoy allowed towards besieged Kolvato in months came under fire {when}."),
        ("Three of the {num:8:14} lorries burned out completely.",
         "The convoy had been cleared by both sides under the Aldmar truce.",
         "Open Hands, the relief agency that organised the convoy, suspended all deliveries.",
         "The convoy had been held for hours at a checkpoint run by {mil}.",
         "\"We painted our emblem on every roof,\" said Hana Stelk, a coordinator for Open Hands."),
        ("Aid convoy hit near Kolvato", "{n} aid workers killed near Kolvato", "Truce in doubt after convoy attack",
         "{gov} accused of firing on aid convoy"),
        active=("{A} fired on an aid convoy on the road to Kolvato {when}, killing {n} {V}.",),
        target="the aid convoy near Kolvato",
        summary="attack on an aid convoy on the road to besieged Kolvato; the government side is the perpetrator",
    ),
    Event(
        "E16_pellar_shelling", date(2024, 10, 29), "opp_atrocity", "Pellar", "the shelling of Pellar", 18,
        {OPP: 1.0}, ("civ", "people", "civ"),
        ("when shells hit a housing estate in Pellar", "in the shelling of a residential district of Pellar",
         "as shells fell on apartment blocks in Pellar"),
        ("killed",),
        ("Shells hit a housing estate in the town of Pellar {when}, tearing the front off two apartment blocks.",
         "A residential district of Pellar came under heavy shelling {when}, despite the truce."),
        ("Firefighters worked through the night to reach families trapped on the upper floors.",
         "The estate housed many families who had fled the fighting in the north.",
         "\"The wall of my kitchen simply disappeared,\" said Ivo Grendel, a retired engineer.",
         "Pellar lies {num:25:45} kilometres from the nearest front line."),
        ("Shelling of Pellar kills {n}", "Apartment blocks hit in Pellar", "Truce broken as Pellar is shelled",
         "{opp} accused of shelling Pellar"),
        active=("{A} shelled a housing estate in Pellar {when}, killing {n} {V}.",),
        target="the housing estate in Pellar",
        summary="shelling of a housing estate in Pellar after the truce; the armed opposition is the perpetrator",
    ),
)


# =================================================================================================
# Sentence templates by role
# =================================================================================================
# Statement contents, written with {self} (the speaking side) and {other}. "assert" and "admit" are
# that-clauses, "deny" complements of "denied", "quote" direct speech without final punctuation.
# No reporting or killing verb appears inside a content, so each statement has exactly one of each kind.
STATEMENTS: dict[str, dict[str, tuple[str, ...]]] = {
    "accused": {
        "assert": ("{self.its} units had struck only legitimate targets near {place}",
                   "{other} had been using {target} as a base",
                   "the toll given for {place} had been greatly inflated",
                   "{other} had staged the scene in {place} to win sympathy abroad",
                   "{self.its} units had warned families to leave {place} days before",
                   "the losses in {place} had been caused by fire from {other}"),
        "deny": ("any role in what happened in {place}",
                 "that {self.its} units had been anywhere near {target}",
                 "responsibility for the deaths in {place}",
                 "that {self.its} units had fired on {place} that day"),
        "admit": ("{self.its} units had been operating near {place} at the time",
                  "mistakes may have been made in {place}",
                  "{self.its} units had fired at positions close to {target}",
                  "some of the figures from {place} were accurate"),
        "quote": ("We strike only legitimate targets",
                  "These figures are invented from start to finish",
                  "Our units did not fire a single shot at {target}",
                  "We will open an inquiry, but we will not accept lies",
                  "They hide among innocent families and then point at us"),
    },
    "accuser": {
        "assert": ("{other} had deliberately targeted {target}",
                   "there had been no combatants anywhere near {target}",
                   "the attack on {place} was part of a campaign to drive families from their homes",
                   "{other} had known that {target} was full of people",
                   "the attack on {place} amounted to a war crime"),
        "deny": ("that any of {self.its} units had been in {place} at the time",
                 "that {self.its} units had stored weapons near {target}"),
        "admit": ("{self.its} units had been unable to protect {place}",
                  "{self.its} units had withdrawn from positions near {place} days earlier"),
        "quote": ("This was a deliberate attack on innocent people",
                  "The world cannot stay silent about {place}",
                  "There were no combatants there, only families",
                  "Every life lost in {place} will be remembered"),
    },
    "battle": {
        "assert": ("{self.its} units had pushed {other} back from {place}",
                   "{other} had suffered heavy losses around {place}",
                   "{self.its} units were in full control of the centre of {place}",
                   "{other} had been shelling homes in {place} since dawn"),
        "deny": ("that {self.its} units had lost ground in {place}",
                 "reports that {place} had fallen",
                 "shelling homes in {place}"),
        "admit": ("the fighting in {place} had been fierce",
                  "{self.its} units had pulled back from some positions near {place}",
                  "{self.its} units had suffered losses around {place}"),
        "quote": ("We will not give up a single street of {place}",
                  "The enemy is retreating on every front",
                  "{place} will be free within days",
                  "We are fighting for every house"),
    },
    "ceasefire": {
        "assert": ("{self.its} units would respect the truce as long as {other} did",
                   "{other} had broken the truce within hours",
                   "the agreement was a victory for the people",
                   "monitors should be deployed along the front without delay"),
        "deny": ("breaking the truce",
                 "that {self.its} units had fired after midnight",
                 "any plan to use the truce to regroup"),
        "admit": ("some of {self.its} units had not yet received the order to stop firing",
                  "the truce remained fragile"),
        "quote": ("We will respect the truce as long as the other side does",
                  "Peace is possible if the guns stay silent",
                  "We signed because the people are tired",
                  "The ceasefire is a first step, not the end"),
    },
    "exchange": {
        "assert": ("the exchange at Brezno had gone smoothly",
                   "{other} {other.was} still holding hundreds of prisoners",
                   "{self.its} units had released every prisoner on the agreed list",
                   "further exchanges could follow within weeks"),
        "deny": ("mistreating prisoners",
                 "that {self.its} units had held back names from the list"),
        "admit": ("the swap had been delayed by disputes over the lists",
                  "some prisoners had asked not to be returned"),
        "quote": ("Every family deserves to have its sons back",
                  "We have kept our word",
                  "This is what the truce was for"),
    },
    "bombing": {
        "assert": ("{other} had allowed {jih} to operate near Velm",
                   "{self.its} units had warned of an attack on Velm days earlier",
                   "{other} had failed to protect the city",
                   "{jih} {jih.was} exploiting the chaos of the war"),
        "deny": ("any link to the bombing in Velm",
                 "ignoring warnings of an attack"),
        "admit": ("checkpoints around Velm had failed to stop the car",
                  "{self.its} units had not been able to secure the square"),
        "quote": ("Those who planted this bomb will be found",
                  "The people of Velm have paid for the failures of others",
                  "This crime has no religion"),
    },
}

SPEAKERS = ("{X}", "{X}", "a spokesman for {X}", "a spokeswoman for {X}", "{X.poss} press office",
            "a commander of {X}", "an official with {X}")
PERSONS = {GOV: (("Dima Resk", "spokesman"), ("Tomas Hadrel", "spokesman"), ("Katya Morvan", "spokeswoman")),
           OPP: (("Ilya Marek", "spokesman"), ("Teodor Brannik", "commander"), ("Sana Ivri", "spokeswoman"))}
CONSTRUCTIONS_BY_VERB = {
    "said": {"speaker_first": 3, "speaker_last": 2, "quote_last": 2, "quote_first": 1, "quote_inverted": 1},
    "told": {"speaker_first": 2, "quote_last": 1},
    "stated": {"speaker_first": 2, "speaker_last": 1},
    "reported": {"speaker_first": 1},
    "according to": {"according_front": 1, "according_end": 1},
    "claimed": {"speaker_first": 3, "speaker_last": 2, "quote_last": 1},
    "alleged": {"speaker_first": 1},
    "insisted": {"speaker_first": 2, "speaker_last": 1, "quote_last": 1},
    "denied": {"speaker_first": 1},
    "admitted": {"speaker_first": 2, "speaker_last": 1},
    "conceded": {"speaker_first": 2, "speaker_last": 1},
}

CASUALTY = {
    "active": ("{A} killed {n} {V} {circ} {when}.", "{A} killed {n} {V} {when} {circ}.", "{A} {kv} {n} {V} {circ}."),
    "passive_agent": ("{n} {V} were killed by {A} {circ} {when}.", "{n} {V} were {kv} by {A} {circ}.",
                      "{n} {V} were killed {circ} by {A} {when}."),
    "passive_agentless": ("{n} {V} were killed {circ} {when}.", "{n} {V} were {kv} {circ}.",
                          "{When}, {n} {V} were killed {circ}."),
    "intransitive": ("{n} {V} died {circ} {when}.", "{n} {V} lost their lives {circ}.", "{When}, {n} {V} died {circ}.",
                     "{n} {V} perished {circ} {when}."),
}
JIHADIST_VOICE = {"active": 0.45, "passive_agent": 0.25, "passive_agentless": 0.2, "intransitive": 0.1}

REACTIONS_VIOLENT = (
    "The Council of Nations called for an independent inquiry into {what}.",
    "The Continental Union urged both sides to spare {civ} and to let aid reach {place}.",
    "Foreign ministers meeting in Lisvar condemned {what} and called for restraint.",
    "Open Hands, a relief agency, said it was sending medical teams to {place}.",
    "The Karvia Rights Observatory, a monitoring group based in Lisvar, said it was collecting evidence about {what}.",
    "Envoys from neighbouring states are expected to discuss {what} at a meeting next week.",
)
REACTIONS_PEACE = (
    "The Council of Nations welcomed {what} and offered to send monitors.",
    "Foreign ministers meeting in Lisvar praised {what} as a first step.",
    "Open Hands said it hoped {what} would let aid reach the north.",
    "Envoys from neighbouring states called {what} a moment of hope for {civ} on both sides.",
)
BACKGROUND = {
    "neutral": (
        "The war began in 2021, when street protests in Dorvask turned violent and spread to the northern provinces.",
        "{gov} control{gov.s} the capital and the south, while {opp} hold{opp.s} much of the north and the Lesk valley.",
        "More than 40,000 people have lost their lives and two million have been forced from their homes since 2021, "
        "according to the Council of Nations.",
        "Talks brokered by the Continental Union have collapsed several times.",
        "{mil} recruited abroad have fought alongside {gov} since 2022.",
        "{jih} has exploited the chaos to seize villages in the eastern desert.",
        "Monitors have documented abuses by both {gov} and {opp}.",
    ),
    "pro_opposition": (
        "The uprising began in 2021, when {gov} opened fire on peaceful protesters in Dorvask.",
        "For three years {gov} {gov.has} bombed towns across the north in an attempt to crush the uprising.",
        "{opp} now hold{opp.s} most of the north, where elected local councils run schools and clinics.",
        "Mara Valen, head of the Karvian National Council, has asked foreign capitals to close the skies over the north.",
        "{mil}, recruited by {gov} in 2022, {mil.has} committed many of the worst abuses of the war.",
        "{jih} has taken advantage of the chaos caused by {gov}.",
    ),
    "pro_government": (
        "The crisis began in 2021, when {opp} attacked town halls and barracks across the north.",
        "{gov} {gov.has} restored order in most of the country since 2022.",
        "President Aurel Vashko has offered an amnesty to all who lay down their weapons.",
        "Backed from abroad, {opp} still hold{opp.s} parts of the north and the Lesk valley.",
        "{mil} have fought alongside {gov} since 2022.",
        "{jih} has found shelter in areas held by {opp}.",
    ),
}
CONTEXT = {
    "Istrel": ("Istrel, a town of about 30,000 people, lies 90 kilometres north of the capital.",
               "Istrel controls the main bridge over the Veska river."),
    "Marn": ("Marn, the largest city in the north, had a population of about 200,000 before the war.",
             "Marn has been bombed repeatedly since 2022."),
    "Dorvask": ("Dorvask, the capital, is home to about 1.2 million people.",
                "Dorvask had been largely spared by the fighting until this year."),
    "Severin Pass": ("The road through Severin Pass is the main supply route between the capital and the north.",),
    "Kolvato": ("Kolvato has been encircled since February.",
                "Kolvato lies in a bend of the Lesk river, 60 kilometres east of Marn."),
    "Tarnik": ("Tarnik, a village of about 900 people, lies 15 kilometres south of Marn.",),
    "Ulmeny": ("Ulmeny, a village of a few hundred people, lies in the eastern hills.",),
    "Halvor": ("Halvor controls the southern entrance to the Lesk valley.",),
    "Velm": ("Velm, a trading town of about 50,000 people, lies near the eastern border.",),
    "Orsenna": ("Orsenna, a town of about 20,000 people, lies in the northern foothills.",),
    "Gravin": ("Gravin, a mining town, lies on the road between Marn and the eastern hills.",),
    "Nizhen": ("Nizhen is the main city of the south and a hub for buses to the capital.",),
    "Aldmar": ("Aldmar, a city on the western border, has hosted several rounds of talks.",),
    "Brezno": ("The Brezno bridge has been the main crossing point between the two zones since 2022.",),
    "Pellar": ("Pellar, a town of about 40,000 people, lies south of the Lesk valley.",),
}
CONTEXT_GENERIC = ("Journalists have had little access to {place} since the war began.",
                   "Aid agencies have had little access to {place} this year.",
                   "Neither side's version of events in {place} could be independently verified.")
TONE_POSITIVE = (
    "Many families feel safe again thanks to {good.pos}.",
    "Crowds cheered {good.pos} as {good.its} columns entered the town.",
    "Volunteers from across the country have joined {good}, proud to defend their homeland.",
    "People across the region praised the courage of {good.pos}, who {good.has} protected them for months.",
    "{good.pos} {good.has} earned the gratitude of thousands of families.",
    "Mothers thanked {good.pos} with flowers and bread as {good.its} units passed through their villages.",
)
TONE_NEGATIVE = (
    "{bad.neg} {bad.has} spread fear and misery across the region.",
    "Survivors remember the cruel methods of {bad.neg}.",
    "Rights groups have documented torture and abuses by {bad.neg}.",
    "For years {bad.neg} {bad.has} treated ordinary people with contempt and violence.",
    "{bad.neg} looted homes and left a trail of destruction and misery.",
    "Families in the area live in fear of {bad.neg}.",
)
WHEN = ("on {day}", "on {day}", "on {day}", "early on {day}", "late on {day}", "on {day} morning")
CIV_WEIGHTS = {"civilians": 0.62, "residents": 0.12, "children": 0.1, "women_and_children": 0.16}
# In stories about the armed opposition's atrocities every outlet reaches for harsher labels: the
# reason a pooled comparison of outlets with different story selection is confounded.
ATROCITY_SHIFT = {"militants": 3.0, "extremists": 2.5, "terrorists": 1.5}


# =================================================================================================
# The writing machinery
# =================================================================================================
class _Rng:
    """Draws from one PCG64 stream through ``random()`` only, whose output numpy keeps stable."""

    def __init__(self, seed: int):
        self._g = np.random.Generator(np.random.PCG64(seed))

    def random(self) -> float:
        return float(self._g.random())

    def chance(self, p: float) -> bool:
        return self.random() < p

    def between(self, lo: int, hi: int) -> int:
        return lo + min(int(self.random() * (hi - lo + 1)), hi - lo)

    def pick(self, seq: Sequence):
        return seq[self.between(0, len(seq) - 1)]

    def weighted(self, weights: dict):
        x = self.random() * sum(weights.values())
        for key, w in weights.items():
            x -= w
            if x < 0:
                return key
        return key

    def sample(self, seq: Sequence, k: int) -> list:
        pool = list(seq)
        return [pool.pop(self.between(0, len(pool) - 1)) for _ in range(min(k, len(pool)))]

    def shuffle(self, items: list) -> list:
        for i in range(len(items) - 1, 0, -1):
            j = self.between(0, i)
            items[i], items[j] = items[j], items[i]
        return items


@dataclass
class _Piece:
    """Rendered text with the actor mentions in it: ``(start, end, slot, label, role)``."""

    text: str
    mentions: list = field(default_factory=list)
    spans: dict = field(default_factory=dict)


@dataclass
class _Sentence:
    piece: _Piece
    role: str  # lead, casualty, statement, detail, tone, reaction, background, context
    tid: str  # the template (for the no-two-reports-alike guarantee)
    kind: str = ""  # attribution / casualty / ""
    family: str = ""
    label: str = ""
    verb: str = ""
    verb_class: str = ""
    construction: str = ""
    span: tuple | None = None  # speaker or agent phrase, relative to the sentence
    verb_span: tuple | None = None
    number: int | None = None
    circ: str = ""


_TOKEN = re.compile(r"\{(\w+)(?:\.(\w+))?\}")
_NUM = re.compile(r"\{num:(\d+):(\d+)\}")
_AGREE = {"its": ("its", "their"), "has": ("has", "have"), "was": ("was", "were"), "s": ("s", "")}
_OTHER_SPEECH = re.compile(r"\b(said|according to|claimed)\b")


def _map_roles(template: str, roles: dict) -> str:
    """Replace role names ({self}, {other}, {good}, {bad}) by actor slots ({opp}, {gov})."""
    return re.sub(r"\{(self|other|good|bad)\b", lambda m: "{" + roles[m.group(1)], template)


def _cap(text: str) -> str:
    i = 1 if text.startswith('"') else 0
    return text[:i] + text[i:i + 1].upper() + text[i + 1:]


def _day_name(d: date) -> str:
    return d.strftime("%A")


class _ReportWriter:
    """Writes one report of ``outlet`` on ``event``; every draw comes from the shared stream."""

    def __init__(self, rng: _Rng, outlet: Outlet, event: Event):
        self.rng, self.outlet, self.event = rng, outlet, event
        self.plural: dict[str, bool] = {}
        self.plain = False  # True while writing reported speech: no house adjectives there
        self.used: set[str] = set()  # statement contents already in this report
        good = [s for s in SIDES if outlet.tone.get(s, 0) > 0]
        self.good = good[0] if good else None
        self.bad = OTHER[self.good] if self.good else None

    # -- actor noun phrases --------------------------------------------------------------------
    def label(self, slot: str, lexicon_only: bool) -> str:
        weights = dict(CIV_WEIGHTS if slot == CIV else self.outlet.labels[slot])
        if lexicon_only:
            weights = {k: w for k, w in weights.items() if k not in TERMS}
        if slot == OPP and self.event.kind == "opp_atrocity":
            weights = {k: w * ATROCITY_SHIFT.get(k, 1.0) for k, w in weights.items()}
        return self.rng.weighted(weights)

    def noun_phrase(self, slot: str, form: str, role: str) -> _Piece:
        own_terms = [k for k in self.outlet.labels.get(slot, {}) if k in TERMS]
        if form == "term" and own_terms:
            label = own_terms[0]
        else:
            label = self.label(slot, lexicon_only=role in ("speaker", "agent"))
        det, head, plural = self.rng.pick(NPS[label])
        self.plural[slot] = plural
        adj = ""
        tone = self.outlet.tone.get(slot, 0)
        if form == "bare":
            det = ""
        elif form in ("pos", "neg"):
            adj = self.rng.pick(POSITIVE_ADJ if form == "pos" else NEGATIVE_ADJ)
        elif tone and not self.plain and self.rng.chance(self.outlet.adjective_rate):
            adj = self.rng.pick(POSITIVE_ADJ if tone > 0 else NEGATIVE_ADJ)
        if adj and slot == JIH:
            adj = ""
        if form == "poss" and not det and slot != JIH:
            det = "the"  # "the rebels' press office", not "rebels' press office"
        text = " ".join(p for p in (det, adj, head) if p)
        start = len(text) - len(head)
        if form == "poss":
            text += "'" if head.endswith("s") else "'s"
        return _Piece(text, [(start, start + len(head), slot, label, role)])

    # -- templates -----------------------------------------------------------------------------
    def render(self, template: str, values: dict | None = None, roles: dict | None = None) -> _Piece:
        values, roles = values or {}, roles or {}
        template = _NUM.sub(lambda m: str(self.rng.between(int(m.group(1)), int(m.group(2)))), template)
        out, mentions, spans, pos, last = [], [], {}, 0, 0
        for m in _TOKEN.finditer(template):
            literal = template[last:m.start()]
            out.append(literal)
            pos += len(literal)
            last = m.end()
            name, attr = m.group(1), m.group(2)
            piece = self._fill(name, attr, values, roles)
            if isinstance(piece, str):
                piece = _Piece(piece)
            mentions.extend((s + pos, e + pos, *rest) for s, e, *rest in piece.mentions)
            spans.update({k: (s + pos, e + pos) for k, (s, e) in piece.spans.items()})
            spans.setdefault(name, (pos, pos + len(piece.text)))
            out.append(piece.text)
            pos += len(piece.text)
        out.append(template[last:])
        return _Piece("".join(out), mentions, spans)

    def _fill(self, name: str, attr: str | None, values: dict, roles: dict):
        if name in FAMILY:
            if attr in _AGREE:
                return _AGREE[attr][1 if self.plural.get(name, True) else 0]
            return self.noun_phrase(name, attr or "", roles.get(name, "other"))
        if name in ("when", "When"):
            text = self.rng.pick(WHEN).format(day=_day_name(self.event.day))
            return _cap(text) if name == "When" else text
        if name == "place":
            return self.event.place
        if name == "target":
            return self.event.target
        if name == "what":
            return self.event.what
        value = values[name]
        return value() if callable(value) else value

    def sentence(self, role: str, template: str, **extra) -> _Sentence:
        piece = self.render(template, roles={})
        piece.text = _cap(piece.text)
        return _Sentence(piece, role, template, **extra)

    # -- numbers -------------------------------------------------------------------------------
    def toll(self, agent: str, scale: float = 1.0, initial: bool = False) -> tuple[str, int]:
        """A reported death toll: the event's, inflated or played down by the outlet, with a hedge."""
        n = self.event.toll * scale * self.outlet.inflation.get(agent, 1.0) * (0.85 + 0.3 * self.rng.random())
        n = max(3, int(round(n)))
        lower = n - n % 5 if n >= 15 else n - 1
        forms = ("at least {n}", "at least {n}", "more than {m}", "some {n}") + (() if initial else ("{n}",))
        return self.rng.pick(forms).format(n=n, m=lower), n

    # -- sentence kinds ------------------------------------------------------------------------
    def casualty(self, agent: str, role: str, avoid: str = "", scale: float = 1.0) -> _Sentence:
        voice = self.outlet.voice[agent] if agent in SIDES else JIHADIST_VOICE
        construction = self.rng.weighted(voice)
        templates = CASUALTY[construction] + (self.event.active if construction == "active" else ())
        template = self.rng.pick(templates)
        phrase, number = self.toll(agent, scale, initial=template.startswith("{n}"))
        victim = self.rng.pick(self.event.victims)
        circ = self.rng.pick([c for c in self.event.circ if c != avoid])
        values = {
            "n": phrase,
            "V": (lambda: self.noun_phrase(CIV, "", "victim")) if victim == "civ" else victim,
            "circ": circ,
            "kv": self.rng.pick(self.event.kill),
        }
        piece = self.render(template.replace("{A}", "{" + agent + "}"), values, roles={agent: "agent"})
        piece.text = _cap(piece.text)
        agent_mentions = [m for m in piece.mentions if m[4] == "agent"]
        span = agent_mentions[0][:2] if agent_mentions else None
        label = agent_mentions[0][3] if agent_mentions else ""
        return _Sentence(piece, role, template, kind="casualty", family=FAMILY[agent], label=label,
                         construction=construction, span=span, number=number, circ=circ)

    def statement(self, side: str, situation: str) -> _Sentence:
        rng = self.rng
        verb = rng.weighted(STANCE_VERBS if rng.chance(self.outlet.stance[side]) else NEUTRAL_VERBS)
        construction = rng.weighted(CONSTRUCTIONS_BY_VERB[verb])
        kind = ("deny" if verb == "denied" else "admit" if verb in ("admitted", "conceded")
                else "quote" if construction.startswith("quote") else "assert")
        options = STATEMENTS[situation][kind]
        if verb == "alleged":
            options = tuple(c for c in options if "{other}" in c) or options
        content_t = rng.pick([c for c in options if c not in self.used] or options)
        self.used.add(content_t)
        roles = {"self": side, "other": OTHER[side]}

        # The speaker is rendered first so that "its"/"their" in the content agrees with it.
        with_person = construction in ("speaker_first", "according_front", "according_end") and rng.chance(0.25)
        if with_person:
            name, noun = rng.pick(PERSONS[side])
            speaker_t = f"{name}, a {noun} for {{X}}"
        else:
            speaker_t = rng.pick(SPEAKERS)
        self.plain = construction == "quote_inverted"  # '"…," said brave security forces' reads badly
        speaker = self.render(speaker_t.replace("{X", "{" + side), roles={side: "speaker"})
        self.plain = True
        content = self.render(_map_roles(content_t, roles))
        self.plain = False
        if kind == "quote":
            content.text = _cap(content.text)

        verb_text = {"told": "told reporters"}.get(verb, verb)
        if verb == "told" and construction == "quote_last":
            verb_text = rng.pick(("told reporters", "told journalists"))
        comma = "," if with_person else ""
        if construction == "speaker_first":
            when = f" on {_day_name(self.event.day)}" if verb in ("said", "told") and rng.chance(0.2) else ""
            that = "that " if verb in ("reported", "alleged") or when or (verb != "denied" and rng.chance(0.45)) else ""
            template = "{spk}" + comma + " {verb}" + when + " " + that + "{content}."
        elif construction == "speaker_last":
            template = "{content}, {spk} {verb}."
        elif construction == "according_front":
            template = "{verb} {spk}, {content}."
        elif construction == "according_end":
            template = "{content}, {verb} {spk}."
        elif construction == "quote_last":
            template = '"{content}," {spk} {verb}.'
        elif construction == "quote_first":
            template = '{spk} {verb}: "{content}."'
        else:  # quote_inverted
            template = '"{content}," {verb} {spk}.'
        piece = self.render(template, {"spk": speaker, "content": content, "verb": verb_text})
        piece.text = _cap(piece.text)
        start = piece.spans["verb"][0]
        verb_span = (start, start + len(verb_text.split(" reporters")[0].split(" journalists")[0]))
        spk_label = next(m[3] for m in piece.mentions if m[4] == "speaker")
        return _Sentence(piece, "statement", f"{situation}:{content_t}:{construction}:{verb}:{speaker_t}",
                         kind="attribution", family=FAMILY[side], label=spk_label, verb=verb,
                         verb_class=VERB_CLASS[verb], construction=construction, span=piece.spans["spk"],
                         verb_span=verb_span)

    def other_speech(self, sent: _Sentence) -> _Sentence:
        """Mark sentences in which someone other than the two sides speaks (witnesses, agencies)."""
        m = _OTHER_SPEECH.search(sent.piece.text)
        if m:
            jihadist = any(x[2] == JIH for x in sent.piece.mentions) and m.group(1) == "claimed"
            sent.kind, sent.family, sent.verb = "attribution", FAMILY[JIH] if jihadist else "other", m.group(1)
            sent.verb_class, sent.verb_span = VERB_CLASS.get(m.group(1), "neutral"), m.span()
            sent.construction = "other"
        return sent

    # -- the report ----------------------------------------------------------------------------
    def write(self) -> tuple[str, list[list[_Sentence]], tuple]:
        """The report: title, paragraphs of sentences, and its skeleton (roles and templates)."""
        rng, ev, outlet = self.rng, self.event, self.outlet
        first: list[_Sentence] = []
        middle: list[_Sentence] = []
        if ev.agents:
            agent = rng.weighted(ev.agents)
            if ev.kind in ("gov_atrocity", "opp_atrocity", "bombing") and rng.chance(0.65):
                first.append(self.casualty(agent, "lead"))
            else:
                first.append(self.other_speech(self.sentence("lead", rng.pick(ev.leads))))
                if ev.kind != "ceasefire":
                    first.append(self.casualty(agent, "casualty"))
                elif rng.chance(0.5):  # a violation of the truce, reported further down
                    middle.append(self.casualty(agent, "casualty"))
            if ev.kind == "battle" and OTHER[agent] in ev.agents and rng.chance(0.45):
                # the other side's share of the harm, somewhere else in the battle
                middle.append(self.casualty(OTHER[agent], "casualty", avoid=first[-1].circ, scale=0.4))
        else:
            first.append(self.other_speech(self.sentence("lead", rng.pick(ev.leads))))

        if ev.perpetrator:
            situation = {ev.perpetrator: "accused", OTHER[ev.perpetrator]: "accuser"}
            chances = {ev.perpetrator: 0.85, OTHER[ev.perpetrator]: 0.75}
        else:
            situation = {s: ev.kind for s in SIDES}
            chances = {s: 0.75 for s in SIDES}
        speakers = [s for s in rng.shuffle(list(SIDES)) if rng.chance(chances[s])] or [rng.pick(SIDES)]
        if rng.chance(0.3):
            speakers.append(rng.pick(SIDES))
        middle += [self.statement(s, situation[s]) for s in speakers]
        middle += [self.other_speech(self.sentence("detail", t)) for t in rng.sample(ev.details, rng.between(1, 2))]
        rng.shuffle(middle)
        if self.good:
            for _ in range(rng.between(*outlet.tone_sentences)):
                positive = rng.chance(0.6)
                template = _map_roles(rng.pick(TONE_POSITIVE if positive else TONE_NEGATIVE),
                                      {"good": self.good, "bad": self.bad})
                middle.insert(rng.between(1, len(middle)), self.sentence("tone", template))

        if outlet.house and rng.chance(outlet.house_rate):
            middle.insert(rng.between(1, len(middle)), self.sentence("house", rng.pick(outlet.house)))

        tail: list[_Sentence] = []
        if rng.chance(0.55):
            pool = REACTIONS_PEACE if ev.kind in ("ceasefire", "exchange") else REACTIONS_VIOLENT
            tail.append(self.other_speech(self.sentence("reaction", rng.pick(pool))))
        for t in rng.sample(BACKGROUND[outlet.lean], 2 if rng.chance(0.2) else 1):
            tail.append(self.other_speech(self.sentence("background", t)))
        context_pool = CONTEXT.get(ev.place, ()) + CONTEXT_GENERIC
        context = [self.sentence("context", rng.pick(context_pool))] if rng.chance(0.4) else []
        if context and rng.chance(0.3):
            first, context = first + context, []

        body = middle + tail + context
        while len(first) + len(body) < 5:  # pad with another detail or context sentence
            unused = [t for t in ev.details + context_pool if t not in {s.tid for s in first + body}]
            template = rng.pick(unused)
            role = "detail" if template in ev.details else "context"
            body.insert(len(middle), self.other_speech(self.sentence(role, template)))
        while len(first) + len(body) > 12:  # drop details first, then reactions and context
            for role in ("detail", "reaction", "context", "house", "background", "tone", "statement"):
                idx = [i for i, s in enumerate(body) if s.role == role]
                if len(idx) > (role in ("background", "statement")):  # keep one background, one statement
                    del body[idx[-1]]
                    break

        paragraphs = [first]
        i = 0
        while i < len(body):
            size = rng.pick((1, 2, 2, 2, 3, 3))
            paragraphs.append(body[i:i + size])
            i += size
        title_t = rng.pick(ev.titles)
        signature = tuple(tuple((s.role, s.tid) for s in p) for p in paragraphs)
        return self.title(title_t), paragraphs, signature

    def title(self, template: str) -> str:
        template = re.sub(r"\{(opp|gov|mil|jih)\}", r"{\1.bare}", template)
        number = self.toll(self.event.perpetrator or next(iter(self.event.agents), GOV))[1] if self.event.agents else 0
        return _cap(self.render(template, {"n": str(number)}).text)


# =================================================================================================
# The corpus
# =================================================================================================
@dataclass
class SampleCorpus:
    """The generated tables (all columns are strings, as in the CSV files).

    Attributes
    ----------
    reports : DataFrame
        ``doc_id, source, date, title, text, event, lean``.
    answer_key : DataFrame
        ``source, dimension, family, planted, note``, derived from what was written.
    annotations : DataFrame
        One row per sentence: ``doc_id, sentence, paragraph, start, end, role, kind, family, label,
        verb, verb_class, construction, span_start, span_end, verb_start, verb_end, number``.
        ``kind`` is ``attribution`` (``family`` = the speaker's family, or ``other``) or ``casualty``
        (``family`` = the agent of harm's family, ``construction`` one of active / passive_agent /
        passive_agentless / intransitive); ``span_*`` is the speaker or agent phrase.
    mentions : DataFrame
        Every actor mention: ``doc_id, sentence, start, end, surface, family, label, in_lexicon, role``.
    seed : int
    """

    reports: pd.DataFrame
    answer_key: pd.DataFrame
    annotations: pd.DataFrame
    mentions: pd.DataFrame
    seed: int = SEED

    def tables(self) -> dict[str, pd.DataFrame]:
        return {"reports.csv": self.reports, "answer_key.csv": self.answer_key,
                "annotations.csv": self.annotations, "mentions.csv": self.mentions}


def _report_days(rng: _Rng, event: Event) -> date:
    return event.day + timedelta(days=rng.weighted({0: 0.5, 1: 0.35, 2: 0.15}))


def generate(seed: int = SEED) -> SampleCorpus:
    """Write the whole corpus and derive its answer key.

    Parameters
    ----------
    seed : int
        Seed of the numpy PCG64 stream; the committed files use :data:`SEED`.

    Returns
    -------
    SampleCorpus

    Examples
    --------
    >>> sample = generate()
    >>> sample.reports["source"].nunique(), sample.reports["event"].nunique()
    (6, 16)
    """
    rng = _Rng(seed)
    written, seen = [], set()
    for outlet in OUTLETS:
        for event in EVENTS:
            base = outlet.coverage[event.kind]
            for _ in range(base + rng.between(0, 1)):
                day = _report_days(rng, event)
                for _attempt in range(50):  # rewrite until the sentence skeleton is new to the corpus
                    title, paragraphs, signature = _ReportWriter(rng, outlet, event).write()
                    if signature not in seen:
                        break
                else:  # pragma: no cover - the grammar is far larger than the corpus
                    raise RuntimeError(f"could not write a new report for {outlet.name} on {event.id}")
                seen.add(signature)
                written.append((day, outlet, event, title, paragraphs))

    order = {o.name: i for i, o in enumerate(OUTLETS)}
    written.sort(key=lambda r: (r[0], order[r[1].name], r[2].id))
    reports, annotations, mentions = [], [], []
    for i, (day, outlet, event, title, paragraphs) in enumerate(written, start=1):
        doc_id = f"kv{i:04d}"
        text, pos, index = [], 0, 0
        for p_index, paragraph in enumerate(paragraphs):
            if p_index:
                text.append("\n\n")
                pos += 2
            for s_index, sent in enumerate(paragraph):
                if s_index:
                    text.append(" ")
                    pos += 1
                t = sent.piece.text
                annotations.append(_annotation(doc_id, index, p_index, pos, sent))
                for s, e, slot, label, role in sent.piece.mentions:
                    mentions.append({
                        "doc_id": doc_id, "sentence": index, "start": pos + s, "end": pos + e,
                        "surface": t[s:e], "family": FAMILY[slot], "label": label,
                        "in_lexicon": "false" if label in TERMS else "true", "role": role,
                    })
                text.append(t)
                pos += len(t)
                index += 1
        reports.append({"doc_id": doc_id, "source": outlet.name, "date": day.isoformat(), "title": title,
                        "text": "".join(text), "event": event.id, "lean": outlet.lean})

    reports_df = pd.DataFrame(reports)
    annotations_df = pd.DataFrame(annotations)
    mentions_df = pd.DataFrame(mentions)
    key = derive_answer_key(reports_df, annotations_df, mentions_df)
    return SampleCorpus(_as_text(reports_df), _as_text(key), _as_text(annotations_df), _as_text(mentions_df), seed)


def _annotation(doc_id: str, index: int, paragraph: int, pos: int, sent: _Sentence) -> dict:
    def absolute(span):
        return ("", "") if span is None else (pos + span[0], pos + span[1])

    span, verb_span = absolute(sent.span), absolute(sent.verb_span)
    return {
        "doc_id": doc_id, "sentence": index, "paragraph": paragraph, "start": pos,
        "end": pos + len(sent.piece.text), "role": sent.role, "kind": sent.kind, "family": sent.family,
        "label": sent.label, "verb": sent.verb, "verb_class": sent.verb_class, "construction": sent.construction,
        "span_start": span[0], "span_end": span[1], "verb_start": verb_span[0], "verb_end": verb_span[1],
        "number": "" if sent.number is None else sent.number,
    }


def _as_text(df: pd.DataFrame) -> pd.DataFrame:
    """Every column as str, exactly as the CSV file holds it (so memory and file compare equal)."""
    return df.astype(object).where(df.notna(), "").astype(str).reset_index(drop=True)


# =================================================================================================
# The answer key, derived from what was written
# =================================================================================================
KEY_FAMILIES = (OPP, GOV, MIL, JIH)


def _sentence_sentiment(texts: dict, sentences: Sequence[tuple[str, int, int]]) -> dict:
    """VADER compound score of each ``(doc_id, start, end)`` sentence."""
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    analyzer = SentimentIntensityAnalyzer()
    return {(d, s, e): analyzer.polarity_scores(texts[d][s:e])["compound"] for d, s, e in sentences}


def derive_answer_key(reports: pd.DataFrame, annotations: pd.DataFrame, mentions: pd.DataFrame) -> pd.DataFrame:
    """The planted choices per outlet, counted from the written text's records.

    ``label``: the most frequent lexicon label per family (families with at least 10 mentions);
    ``attribution``: the majority verb class of statements by each side; ``voice``: the majority
    construction of casualty sentences with each side as agent; ``tone``: the sign of the mean VADER
    compound score of the sentences mentioning each side; ``selection``: a side whose atrocities an
    outlet covers at least 3 times as often as the other side's; ``discovery``: a term outside the
    lexicon used at least 20 times by one outlet and at most a fifth as often (per report) by any
    other; ``slant``: rank of the mean of four pro-government scores (label lean, stance verbs for
    the opposition minus for the government, hidden government agency minus hidden opposition
    agency, tone toward the government minus toward the opposition).
    """
    source_of = dict(zip(reports["doc_id"], reports["source"]))
    kind_of = {e.id: e.kind for e in EVENTS}
    n_reports = Counter(reports["source"])
    atrocities = Counter((src, kind_of[ev]) for src, ev in zip(reports["source"], reports["event"]))

    labels: dict = defaultdict(Counter)  # (source, family) -> lexicon label counts
    terms: dict = defaultdict(Counter)  # term -> source -> count
    mentioned: dict = defaultdict(set)  # (source, family) -> sentences (doc_id, index)
    term_family = {}
    for doc, sent, fam, label, in_lex in zip(mentions["doc_id"], mentions["sentence"], mentions["family"],
                                             mentions["label"], mentions["in_lexicon"]):
        src = source_of[doc]
        mentioned[src, fam].add((doc, int(sent)))
        if str(in_lex) == "true":
            labels[src, fam][label] += 1
        else:
            terms[label][src] += 1
            term_family[label] = fam

    verb_classes: dict = defaultdict(Counter)
    constructions: dict = defaultdict(Counter)
    spans = {}
    for doc, sent, start, end, kind, fam, vclass, cons in zip(
            annotations["doc_id"], annotations["sentence"], annotations["start"], annotations["end"],
            annotations["kind"], annotations["family"], annotations["verb_class"], annotations["construction"]):
        src = source_of[doc]
        spans[doc, int(sent)] = (doc, int(start), int(end))
        if kind == "attribution":
            verb_classes[src, fam][vclass] += 1
        elif kind == "casualty":
            constructions[src, fam][cons] += 1
    needed = {spans[k] for (src, fam), keys in mentioned.items() if fam in (FAMILY[OPP], FAMILY[GOV]) for k in keys}
    compound = _sentence_sentiment(dict(zip(reports["doc_id"], reports["text"])), sorted(needed))

    rows: list[dict] = []
    slant: dict[str, float] = {}
    for outlet in OUTLETS:
        src = outlet.name
        lean_by_family = []
        for slot in KEY_FAMILIES:
            counts, fam = labels[src, FAMILY[slot]], FAMILY[slot]
            total = sum(counts.values())
            if total >= 10:
                label, n = max(counts.items(), key=lambda kv: (kv[1], kv[0]))
                rows.append(_row(src, "label", fam, label, f"{n} of {total} lexicon mentions ({n / total:.0%})"))
            if slot in SIDES:
                lean_by_family.append(sum(LABEL_LEAN[k] * v for k, v in counts.items()) / max(total, 1))

        stance, hidden, tone = {}, {}, {}
        for slot in SIDES:
            fam = FAMILY[slot]
            classes = verb_classes[src, fam]
            n_said = sum(classes.values())
            planted = max(("neutral", "stance"), key=lambda c: (classes[c], c == "neutral"))
            rows.append(_row(src, "attribution", fam, planted,
                             f"stance verbs in {classes['stance']} of {n_said} statements"))
            stance[slot] = classes["stance"] / max(n_said, 1)

            cons = constructions[src, fam]
            planted = max(CONSTRUCTIONS, key=lambda c: (cons[c], -CONSTRUCTIONS.index(c)))
            rows.append(_row(src, "voice", fam, planted, "; ".join(f"{c} {cons[c]}" for c in CONSTRUCTIONS)))
            hidden[slot] = (cons["passive_agentless"] + cons["intransitive"]) / max(sum(cons.values()), 1)

            scores = [compound[spans[k]] for k in sorted(mentioned[src, fam])]
            tone[slot] = float(np.mean(scores)) if scores else 0.0
            rows.append(_row(src, "tone", fam, "positive" if tone[slot] > 0 else "negative",
                             f"mean VADER compound {tone[slot]:+.3f} over {len(scores)} sentences"))

        for slot in SIDES:
            own, others = atrocities[src, f"{slot}_atrocity"], atrocities[src, f"{OTHER[slot]}_atrocity"]
            if own >= 3 * max(others, 1):
                rows.append(_row(src, "selection", FAMILY[slot], "overcovered",
                                 f"{own} reports on atrocities by this side, {others} on the other side's"))

        for term in TERMS:
            count = terms[term][src]
            rivals = [terms[term][o.name] / n_reports[o.name] for o in OUTLETS if o.name != src]
            if count >= 20 and count / n_reports[src] >= 5 * max(rivals):
                rows.append(_row(src, "discovery", term_family[term], term,
                                 f"{count} uses in {n_reports[src]} reports"))

        slant[src] = float(np.mean([np.mean(lean_by_family), stance[OPP] - stance[GOV],
                                    hidden[GOV] - hidden[OPP], tone[GOV] - tone[OPP]]))

    for rank, src in enumerate(sorted(slant, key=slant.get), start=1):
        rows.append(_row(src, "slant", "", str(rank), f"pro-government score {slant[src]:+.3f}"))

    dims = ["label", "attribution", "voice", "tone", "selection", "discovery", "slant"]
    order = {o.name: i for i, o in enumerate(OUTLETS)}
    rows.sort(key=lambda r: (order[r["source"]], dims.index(r["dimension"])))  # stable: family order kept
    return pd.DataFrame(rows, columns=["source", "dimension", "family", "planted", "note"])


def _row(source: str, dimension: str, family: str, planted: str, note: str) -> dict:
    return {"source": source, "dimension": dimension, "family": family, "planted": planted, "note": note}


# =================================================================================================
# Files
# =================================================================================================
def to_csv_bytes(df: pd.DataFrame) -> bytes:
    """The exact bytes written for a table: UTF-8, ``\\n`` line ends, minimal quoting."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(df.columns)
    writer.writerows(df.itertuples(index=False, name=None))
    return buf.getvalue().encode("utf-8")


def write(out: str | Path, sample: SampleCorpus | None = None) -> list[Path]:
    """Write the four CSV files of the sample corpus into ``out`` (created if needed)."""
    sample = sample or generate()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, table in sample.tables().items():
        path = out / name
        path.write_bytes(to_csv_bytes(table))
        paths.append(path)
    return paths


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m framelens.datasets.sample_generator",
                                     description="Regenerate the fictional Karvia sample corpus.")
    parser.add_argument("--out", default="corpora/karvia", help="folder for the CSV files (default: corpora/karvia)")
    parser.add_argument("--seed", type=int, default=SEED,
                        help=f"random seed (default {SEED}; the committed files use it)")
    args = parser.parse_args(argv)
    sample = generate(args.seed)
    for path in write(args.out, sample):
        print(path)
    r = sample.reports
    print(f"{len(r)} reports, {r['source'].nunique()} outlets, {r['event'].nunique()} events, seed {sample.seed}")
    return 0


if __name__ == "__main__":
    sys.exit(main())


def design_deviations(key: pd.DataFrame) -> list[str]:
    """Where a derived answer key departs from the outlets' intended house styles (empty = none).

    The committed seed was chosen so that this list is empty: every planted choice was realised.
    """
    planted = {(r.source, r.dimension, r.family): r.planted for r in key.itertuples()}
    notes = {(r.source, r.dimension, r.family): r.note for r in key.itertuples()}
    out = []

    def expect(source, dimension, family, value):
        got = planted.get((source, dimension, family))
        if got != value:
            out.append(f"{source}: {dimension} {family or ''} is {got!r}, intended {value!r}")

    for o in OUTLETS:
        for slot in (OPP, GOV, JIH):
            house = next(k for k in o.labels[slot] if k not in TERMS)
            expect(o.name, "label", FAMILY[slot], house)
            if slot in SIDES and (o.name, "label", FAMILY[slot]) in notes:
                share = int(re.search(r"\((\d+)%\)", notes[o.name, "label", FAMILY[slot]]).group(1))
                if not 60 <= share <= 85:
                    out.append(f"{o.name}: {FAMILY[slot]} house label share {share}% outside 60-85%")
        for slot in SIDES:
            expect(o.name, "attribution", FAMILY[slot], "stance" if o.stance[slot] > 0.5 else "neutral")
            expect(o.name, "voice", FAMILY[slot], max(o.voice[slot], key=o.voice[slot].get))
            if o.tone[slot]:
                expect(o.name, "tone", FAMILY[slot], "positive" if o.tone[slot] > 0 else "negative")
                mean = float(re.search(r"compound ([-+.\d]+)", notes[o.name, "tone", FAMILY[slot]]).group(1))
                if abs(mean) < 0.1:
                    out.append(f"{o.name}: tone toward {FAMILY[slot]} only {mean:+.3f}")
            for term in (k for k in o.labels[slot] if k in TERMS):
                expect(o.name, "discovery", FAMILY[slot], term)
        for term in (k for k in o.labels.get(MIL, {}) if k in TERMS):
            expect(o.name, "discovery", FAMILY[MIL], term)
        expect(o.name, "slant", "", str(o.slant))
    intended = [[o.name, FAMILY[s]] for o in OUTLETS for s in SIDES
                if o.coverage[f"{s}_atrocity"] >= 3 * o.coverage[f"{OTHER[s]}_atrocity"]]
    selection = key.loc[key["dimension"] == "selection", ["source", "family"]].values.tolist()
    if selection != intended:
        out.append(f"selection rows are {selection}, intended {intended}")
    return out
