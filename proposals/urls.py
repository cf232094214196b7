from django.urls import path

from proposals.views import public, resident, staff

app_name = "proposals"

urlpatterns = [
    # Everyone
    path("proposals/", public.proposal_list, name="list"),
    path("proposals/map/", public.proposal_map, name="map"),
    path("proposals/map.json", public.proposal_map_data, name="map_data"),
    path("districts/<slug:slug>/proposals/", public.proposal_list, name="district_list"),
    path("proposals/<id:pk>/", public.proposal_detail, name="detail"),
    # Where MEDIA_URL + an image's stored name ("proposals/<id>/<file>") points.
    path("media/proposals/<id:pk>/<str:filename>", public.proposal_image_file, name="image_file"),
    # Residents
    path("districts/<slug:slug>/proposals/new/", resident.proposal_create, name="create"),
    path("districts/<slug:slug>/proposals/validate/", resident.proposal_validate, name="validate"),
    path("proposals/<id:pk>/edit/", resident.proposal_edit, name="edit"),
    path("proposals/<id:pk>/submit/", resident.proposal_submit, name="submit"),
    path("proposals/<id:pk>/withdraw/", resident.proposal_withdraw, name="withdraw"),
    path("proposals/<id:pk>/images/", resident.proposal_images, name="images"),
    path(
        "proposals/<id:pk>/images/<id:image_id>/delete/",
        resident.proposal_image_delete,
        name="image_delete",
    ),
    path("proposals/<id:pk>/comments/", resident.comment_post, name="comment"),
    path("comments/<id:comment_id>/flag/", resident.comment_flag, name="comment_flag"),
    path("proposals/<id:pk>/support/", resident.support_toggle, name="support"),
    path("me/proposals/", resident.my_proposals, name="mine"),
    # District staff
    path("staff/<slug:slug>/proposals/", staff.review_queue, name="staff_queue"),
    path("staff/<slug:slug>/proposals/<id:pk>/", staff.review_proposal, name="staff_review"),
    path("staff/<slug:slug>/proposals/<id:pk>/hide/", staff.hide_proposal, name="staff_hide"),
    path("staff/<slug:slug>/comments/", staff.moderation_queue, name="staff_moderation"),
    path(
        "staff/<slug:slug>/comments/<id:comment_id>/",
        staff.moderate_comment,
        name="staff_moderate_comment",
    ),
]
