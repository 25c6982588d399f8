"""The shape of ``suggestion_details``: what the model said about a suggested claim."""

from __future__ import annotations

from rest_framework import serializers


class TextSpanSerializer(serializers.Serializer):
    text = serializers.CharField()
    start = serializers.IntegerField(help_text="Code point offset into the article text")
    end = serializers.IntegerField(help_text="Code point offset (exclusive)")


class AntecedentSerializer(TextSpanSerializer):
    sentence = serializers.IntegerField(help_text="The antecedent's sentence, from 1")


class ReporterSerializer(TextSpanSerializer):
    entity = serializers.IntegerField(allow_null=True, help_text="The reporter's entity id")


class SuggestionDetailsSerializer(serializers.Serializer):
    stance = serializers.ChoiceField(
        choices=["asserts", "denies", "refuses"],
        help_text="asserts: the speaker says it is so; denies: says it is false; refuses: "
        "would not confirm or say",
    )
    cue = serializers.CharField(help_text="The reporting word: said, denied, according to ...")
    pattern = serializers.CharField(help_text="The rule that found it (docs/nlp.md)")
    confidence = serializers.FloatField()
    speaker = TextSpanSerializer(allow_null=True, help_text="The speaker as the text names it")
    speaker_reason = serializers.CharField(
        allow_null=True,
        help_text="Why a pronoun or role speaker is who it is: 'he' -> Jean-Luc Bernard "
        "(sentence 3)",
    )
    antecedent = AntecedentSerializer(allow_null=True)
    reporter = ReporterSerializer(
        allow_null=True, help_text='Who reported the speaker\'s words ("X said that Y told ...")'
    )
