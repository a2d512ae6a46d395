"""Training (stages train-teacher and distill-students): the budget recipe and its checks
(recipe, config), the loop that spends it (loop), losses and the scores shared with export
(losses, metrics), the teacher's cached logits for distillation (teacher_logits), the hyperopt
search (search), and the two stages' functions: the teacher's run and what students share with it
(teacher), every student side by side (students). Architectures live in footseg.models, data in
footseg.data; nothing here reads Hydra config objects, only plain dicts and values.
"""
