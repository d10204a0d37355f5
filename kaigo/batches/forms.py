from django import forms

from kaigo.batches.registry import all_kinds


class BatchKindChoiceForm(forms.Form):
    kind = forms.ChoiceField(label="バッチ種別")

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(k.name, k.label) for k in all_kinds() if k.form_class is not None]
