"""Partner API: the partner's own programmes, their tracks and seats."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from p2mi_portal.api import NOT_FOUND, THROTTLED, UNAUTHORIZED, iso

from . import selectors
from .models import PlacementTrack, Program


class TrackOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    name_en = serializers.CharField()
    country = serializers.CharField()
    seats = serializers.IntegerField()
    seats_reserved = serializers.IntegerField(help_text="Held by open offers.")
    seats_taken = serializers.IntegerField(help_text="Held by accepted offers.")
    seats_free = serializers.IntegerField()


class ProgramOut(serializers.Serializer):
    code = serializers.CharField()
    title = serializers.CharField()
    title_en = serializers.CharField()
    status = serializers.CharField()
    destination_country = serializers.CharField()
    occupation = serializers.CharField()
    total_seats = serializers.IntegerField()
    recruitment_opens = serializers.DateField()
    recruitment_closes = serializers.DateField()
    target_departure = serializers.DateField()
    tracks = TrackOut(many=True)


class ProgramListOut(serializers.Serializer):
    results = ProgramOut(many=True)


def track_data(track: PlacementTrack) -> dict[str, Any]:
    return {
        "id": track.pk,
        "name": track.name,
        "name_en": track.name_en,
        "country": str(track.country),
        "seats": track.seats,
        "seats_reserved": track.seats_reserved,
        "seats_taken": track.seats_taken,
        "seats_free": track.seats_free,
    }


def program_data(program: Program) -> dict[str, Any]:
    return {
        "code": program.code,
        "title": program.title,
        "title_en": program.title_en,
        "status": program.status,
        "destination_country": str(program.destination_country),
        "occupation": program.occupation,
        "total_seats": program.total_seats,
        "recruitment_opens": iso(program.recruitment_opens),
        "recruitment_closes": iso(program.recruitment_closes),
        "target_departure": iso(program.target_departure),
        "tracks": [track_data(track) for track in program.tracks.all()],
    }


@extend_schema(tags=["programmes"])
class ProgramListView(APIView):
    @extend_schema(
        operation_id="programs_list",
        summary="Your organisation's programmes",
        responses={200: ProgramListOut, 401: UNAUTHORIZED, 429: THROTTLED},
    )
    def get(self, request: Request) -> Response:
        programs = selectors.programs_for_partner(partner_id=request.user.partner_id)
        return Response({"results": [program_data(program) for program in programs]})


@extend_schema(tags=["programmes"])
class ProgramDetailView(APIView):
    @extend_schema(
        operation_id="programs_retrieve",
        summary="One of your programmes, with its tracks and seats",
        responses={200: ProgramOut, 401: UNAUTHORIZED, 404: NOT_FOUND, 429: THROTTLED},
    )
    def get(self, request: Request, code: str) -> Response:
        program = selectors.program_for_partner(partner_id=request.user.partner_id, code=code)
        return Response(program_data(program))
