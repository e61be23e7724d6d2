"""The two comparison points of the API benchmark, served by the same gunicorn as the API.

- ``floor``: the same rows and page by keyset in one raw SQL query, encoded with orjson —
  what the list costs with nothing but the database and the encoder.
- ``naive``: what a first DRF version often looks like — a ModelViewSet with nested
  ModelSerializers and page-number pagination.
"""

from __future__ import annotations

import orjson
from django.db import connection
from django.http import HttpRequest, HttpResponse
from rest_framework import pagination, serializers, viewsets

from candidates.models import Application, CandidateProfile
from programs.models import PlacementTrack, Program

FLOOR_SQL = """
SELECT a.id, p.code, a.stage, a.preferred_track_id, a.track_id, a.score_total, a.submitted_at,
       c.full_name, c.province_id, m.code, c.graduation_year, c.average_grade
FROM candidates_application a
JOIN programs_program p ON p.id = a.program_id
JOIN candidates_candidateprofile c ON c.id = a.candidate_id
LEFT JOIN programs_major m ON m.id = c.major_id
WHERE a.program_id = (SELECT id FROM programs_program WHERE code = %s) AND a.stage = %s
ORDER BY a.submitted_at DESC, a.id DESC
LIMIT %s
"""


def floor(request: HttpRequest) -> HttpResponse:
    size = min(int(request.GET.get("page_size", 100)), 100)
    with connection.cursor() as cursor:
        cursor.execute(FLOOR_SQL, [request.GET["program"], request.GET["stage"], size])
        rows = cursor.fetchall()
    results = [
        {
            "id": r[0],
            "program": r[1],
            "stage": r[2],
            "preferred_track": r[3],
            "track": r[4],
            "score": None if r[5] is None else str(r[5]),
            "submitted_at": r[6].isoformat(),
            "candidate": {
                "full_name": r[7],
                "province": r[8],
                "major": r[9],
                "graduation_year": r[10],
                "average_grade": None if r[11] is None else str(r[11]),
            },
        }
        for r in rows
    ]
    return HttpResponse(orjson.dumps({"next": None, "results": results}), content_type="application/json")


class NaiveTrackSerializer(serializers.ModelSerializer):
    class Meta:
        model = PlacementTrack
        fields = "__all__"


class NaiveProgramSerializer(serializers.ModelSerializer):
    class Meta:
        model = Program
        fields = ("id", "code", "title", "status")


class NaiveCandidateSerializer(serializers.ModelSerializer):
    class Meta:
        model = CandidateProfile
        fields = ("id", "full_name", "province", "major", "graduation_year", "average_grade")
        depth = 1


class NaiveApplicationSerializer(serializers.ModelSerializer):
    candidate = NaiveCandidateSerializer()
    program = NaiveProgramSerializer()
    preferred_track = NaiveTrackSerializer()

    class Meta:
        model = Application
        fields = (
            "id",
            "program",
            "stage",
            "preferred_track",
            "track",
            "score_total",
            "submitted_at",
            "candidate",
        )


class NaivePagination(pagination.PageNumberPagination):
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 100


class NaiveApplicationViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = NaiveApplicationSerializer
    pagination_class = NaivePagination

    def get_queryset(self):
        return Application.objects.filter(
            program__employer_id=self.request.user.partner_id,
            program__code=self.request.query_params["program"],
            stage=self.request.query_params["stage"],
        ).order_by("-submitted_at", "-id")
