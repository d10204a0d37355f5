"""Forms of the primary assessment: the national software's result file sent for import."""

from __future__ import annotations

from django import forms

from kaigo.forms import StaffForm

MAX_FILE_BYTES = 20 * 1024 * 1024


class ResultFileForm(StaffForm):
    file = forms.FileField(label="一次判定ソフトの結果ファイル（CSV）",
                           error_messages={"required": "結果ファイルを選んでください。",
                                           "empty": "結果ファイルが空です。", "invalid": "結果ファイルを選んでください。"})

    def clean_file(self):
        f = self.cleaned_data["file"]
        if f.size > MAX_FILE_BYTES:
            raise forms.ValidationError("結果ファイルが大きすぎます（20メガバイトまで）。")
        return f
