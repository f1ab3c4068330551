from django.http import HttpResponse


def detail(request, contract_id):  # placeholder until the contract pages land
    return HttpResponse(status=404)


def template_detail(request, template_id):
    return HttpResponse(status=404)
